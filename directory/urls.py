from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("annuaire/", views.person_list, name="person_list"),
    path("annuaire/mentions/", views.mention_search, name="mention_search"),
    path("annuaire/personnes/<int:pk>/", views.person_detail, name="person_detail"),
    path("annuaire/personnes/<int:pk>/vcard/", views.person_vcard, name="person_vcard"),
    path("annuaire/personnes/<int:pk>/suivre/", views.person_follow, name="person_follow"),
    path("annuaire/personnes/<int:pk>/modifier/", views.person_edit, name="person_edit"),
    path("annuaire/personnes/<int:pk>/fusionner/", views.person_merge, name="person_merge"),
    path("annuaire/fonctions/<int:pk>/terminer/", views.position_end, name="position_end"),
    path("annuaire/structures/", views.structure_list, name="structure_list"),
    path("annuaire/structures/<slug:slug>/", views.structure_detail, name="structure_detail"),
    path(
        "annuaire/structures/<slug:slug>/suivre/", views.structure_follow, name="structure_follow"
    ),
    path("annuaire/moi/", views.my_profile, name="my_profile"),
    path("annuaire/moi/creer/", views.my_profile_create, name="my_profile_create"),
    path("annuaire/moi/donnees/", views.my_data, name="my_data"),
    path("annuaire/moi/effacer/", views.my_erase, name="my_erase"),
    path("annuaire/compte-efface/", views.erased, name="erased"),
    path("annuaire/export.csv", views.export_csv, name="export_csv"),
    path("annuaire/import/", views.import_upload, name="import_upload"),
    path("annuaire/import/<int:pk>/", views.import_detail, name="import_detail"),
    path("annuaire/comptes-en-attente/", views.pending_accounts, name="pending_accounts"),
    path(
        "annuaire/comptes-en-attente/<int:pk>/approuver/",
        views.account_approve,
        name="account_approve",
    ),
    path("annuaire/comptes-inactifs/", views.inactive_accounts, name="inactive_accounts"),
    path("annuaire/invitations/", views.invitations, name="invitations"),
    path(
        "annuaire/invitations/<int:pk>/renvoyer/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path("annuaire/invitation/<str:token>/", views.invitation_open, name="invitation_open"),
    path("annuaire/verifier-ma-fiche/<str:token>/", views.entry_check, name="entry_check"),
    path("annuaire/expertises/", views.expertise_requests, name="expertise_requests"),
    path(
        "annuaire/expertises/<int:pk>/<str:decision>/",
        views.expertise_decide,
        name="expertise_decide",
    ),
]

from django.urls import path

from qa.agenda import views

app_name = "agenda"

urlpatterns = [
    path("ordre-du-jour/", views.agenda_index, name="index"),
    path("ordre-du-jour/proposer/", views.proposal_create, name="proposal_create"),
    path("ordre-du-jour/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("ordre-du-jour/<int:pk>/soutenir/", views.proposal_support, name="proposal_support"),
    path(
        "ordre-du-jour/<int:pk>/retirer-mon-soutien/",
        views.proposal_unsupport,
        name="proposal_unsupport",
    ),
    path("ordre-du-jour/<int:pk>/retirer/", views.proposal_withdraw, name="proposal_withdraw"),
    path("ordre-du-jour/<int:pk>/inscrire/", views.proposal_schedule, name="proposal_schedule"),
    path(
        "ordre-du-jour/<int:pk>/debattue/",
        views.proposal_mark_discussed,
        name="proposal_mark_discussed",
    ),
    path("ordre-du-jour/reunions/nouvelle/", views.meeting_create, name="meeting_create"),
    path("ordre-du-jour/reunions/<int:pk>/", views.meeting_detail, name="meeting_detail"),
]

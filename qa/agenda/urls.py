from django.urls import path
from django.views.decorators.http import require_safe

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
    path(
        "ordre-du-jour/<int:pk>/compte-rendu/",
        views.proposal_minutes_publish,
        name="proposal_minutes_publish",
    ),
    path("ordre-du-jour/<int:pk>/modifier/", views.proposal_update, name="proposal_update"),
    path("ordre-du-jour/<int:pk>/commenter/", views.proposal_comment, name="proposal_comment"),
    path(
        "ordre-du-jour/commentaires/<int:pk>/modifier/",
        views.proposal_comment_update,
        name="proposal_comment_update",
    ),
    path(
        "ordre-du-jour/commentaires/<int:pk>/supprimer/",
        views.proposal_comment_delete,
        name="proposal_comment_delete",
    ),
    path("ordre-du-jour/reunions/nouvelle/", views.meeting_create, name="meeting_create"),
    path("ordre-du-jour/reunions/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("ordre-du-jour/reunions/<int:pk>/modifier/", views.meeting_update, name="meeting_update"),
    path("ordre-du-jour/reunions/<int:pk>/annuler/", views.meeting_cancel, name="meeting_cancel"),
    path(
        "ordre-du-jour/reunions/<int:pk>/reunion.ics",
        require_safe(views.meeting_calendar),
        name="meeting_calendar",
    ),
]

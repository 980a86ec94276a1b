from django.urls import path
from django.views.decorators.http import require_safe

from website.notifications import ask_views, inbound_views, views, webhook

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:pk>/lue/", views.notification_mark_read, name="mark_read"),
    path("notifications/<int:pk>/ouvrir/", views.notification_open, name="open"),
    path("notifications/tout-lu/", views.notifications_mark_all_read, name="mark_all_read"),
    path("compte/preferences/", views.preferences, name="preferences"),
    path("compte/preferences/flux/", views.feed_token_regenerate, name="feed_regenerate"),
    path("compte/preferences/reponses/", views.reply_addresses_revoke, name="reply_revoke"),
    path("compte/preferences/courriels/reprendre/", views.emails_resume, name="emails_resume"),
    path("compte/questions-par-courriel/<int:pk>/", ask_views.ask_confirm, name="ask_confirm"),
    path(
        "compte/preferences/questions-par-courriel/",
        ask_views.ask_preference,
        name="ask_preference",
    ),
    path("moderation/courriels/", inbound_views.inbound_queue, name="inbound_queue"),
    path("moderation/courriels/<int:pk>/", inbound_views.inbound_decide, name="inbound_decide"),
    path("courriels/entrants/mailgun/mime", webhook.mailgun_inbound, name="inbound_webhook"),
    path(
        "courriels/entrants/<slug:provider>/",
        webhook.provider_inbound,
        name="inbound_webhook_provider",
    ),
    path("notifications/desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("flux/notifications/<str:token>/", require_safe(views.NotificationFeed()), name="feed"),
]

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "website.notifications"
    label = "notifications"

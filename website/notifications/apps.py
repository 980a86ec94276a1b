from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "website.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from website.notifications import receivers

        receivers.connect()

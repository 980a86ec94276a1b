from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "website.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from directory import extensions
        from website.notifications import exports, receivers, services
        from website.pages import feed_tokens

        extensions.register_account_export("notifications", exports.account_export)
        receivers.connect()
        feed_tokens.use_feed_tokens(reader=services.feed_reader, token_for=services.feed_token_for)

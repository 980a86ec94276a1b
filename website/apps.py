from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    """The site package: templates tags, context processors and the pieces that span apps."""

    name = "website"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from website import (
            checks,  # noqa: F401 (registers the system checks)
            sessions,
        )

        user_logged_in.connect(sessions.stamp_at_login, dispatch_uid="entraide-session-stamp")

from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    """The site package: templates tags, context processors and the pieces that span apps."""

    name = "website"

    def ready(self):
        from website import checks  # noqa: F401 (registers the system checks)

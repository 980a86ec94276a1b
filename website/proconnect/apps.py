from django.apps import AppConfig


class ProConnectConfig(AppConfig):
    """Registers the `proconnect` allauth provider (allauth finds `provider.py` in every app)."""

    name = "website.proconnect"
    label = "proconnect"
    verbose_name = "ProConnect"

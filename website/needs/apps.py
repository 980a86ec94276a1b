from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "website.needs"
    label = "needs"
    verbose_name = _("Besoins partagés")

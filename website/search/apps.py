from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "website.search"
    label = "search"
    verbose_name = _("Recherche")

    def ready(self):
        from website.search import signals, synonyms

        signals.connect()
        synonyms.connect()

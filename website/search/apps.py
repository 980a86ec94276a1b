from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "website.search"
    label = "search"
    verbose_name = _("Recherche")

    def ready(self):
        from directory import selectors as directory_selectors
        from qa import selectors as qa_selectors
        from website.search import services, signals, synonyms

        signals.connect()
        synonyms.connect()
        # Q&A and the directory suggest from typed text with this app's ranking; they may
        # not import it, so it is handed to them here.
        qa_selectors.use_similar_questions_source(services.similar_questions_for)
        directory_selectors.use_who_handles_source(services.who_handles_for)

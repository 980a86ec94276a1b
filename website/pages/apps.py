from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    name = "website.pages"
    label = "pages"
    verbose_name = _("Pages du site")

    def ready(self):
        from wagtail.signals import page_published

        from qa import extensions
        from website.pages import banners, feeds
        from website.pages.services import on_page_published

        page_published.connect(on_page_published, dispatch_uid="pages_rechecks_on_publish")
        extensions.register_thread_banner(banners.recheck_banner)
        extensions.use_faq_url(banners.faq_url)
        extensions.use_feed_links(feeds.feed_link)
        self._register_search_kinds()

    def _register_search_kinds(self):
        """Search sits below the CMS and names none of its models: the page types with a
        facet of their own, and the FAQ entries indexed as their own results, are declared
        here."""
        from website.pages import models
        from website.search import documents, signals

        for model, kind in [
            (models.FaqIndexPage, "faq"),
            (models.RegulatoryIndexPage, "veille"),
            (models.RegulatoryUpdatePage, "veille"),
            (models.ResourceIndexPage, "resource"),
            (models.ResourcePage, "resource"),
        ]:
            documents.register_page_kind(model, kind)
        documents.register_source(
            "faqentry", models.FaqEntry, documents.faq_entry_document, select=("page", "topic")
        )
        signals.reindex_on_delete(models.FaqEntry)

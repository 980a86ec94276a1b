from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    name = "website.pages"
    label = "pages"
    verbose_name = _("Pages du site")

    def ready(self):
        from django.db.models.signals import post_save
        from wagtail.documents import get_document_model
        from wagtail.signals import page_published

        from qa import extensions
        from website.pages import banners, feeds
        from website.pages.services import on_page_published

        page_published.connect(on_page_published, dispatch_uid="pages_rechecks_on_publish")
        post_save.connect(
            _extract_text_later,
            sender=get_document_model(),
            weak=False,
            dispatch_uid="pages.extract_document_text",
        )
        extensions.register_thread_banner(banners.recheck_banner)
        extensions.use_faq_url(banners.faq_url)
        extensions.use_feed_links(feeds.feed_link)
        extensions.use_meeting_feed_links(feeds.meeting_feed_links)
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
        from website.pages import selectors, services
        from website.search import services as search_services

        search_services.register_text_source(
            "documents",
            label="CMS documents without current extracted text",
            pending=selectors.documents_without_current_text,
            extract=services.document_text_extract,
        )


def _extract_text_later(sender, instance, update_fields=None, **kwargs):
    """A document uploaded or replaced: its text is read for search once the save is committed
    (`tasks.extract_document_text`; a save that does not change the file reads nothing)."""
    from django.db import transaction

    from website.pages.tasks import extract_document_text

    if update_fields and set(update_fields) <= {"file_hash", "file_size"}:
        return  # Wagtail filling in the metadata of the same file
    document_id = instance.pk
    transaction.on_commit(lambda: extract_document_text.enqueue(document_id))

"""Reads of the CMS layer outside the page types: the moderators' re-check list and the
re-check banners of a thread.

What a page type shows is read by the page model itself (`models.py`, the Wagtail idiom), or
by a module it imports that does not import it back (`dashboard.py`, `suggestions.py`,
`collections.py`): no module of this package imports the page models and is imported by them.
Every function runs a fixed number of queries whatever the amount of data (tests bound them).
"""

from django.db.models import F, Q
from wagtail.documents import get_document_model

from website.pages.models import QuestionRecheck
from website.pages.permissions import can_view_page


def pending_rechecks():
    """Every thread awaiting re-check, oldest first (moderators' list)."""
    return (
        QuestionRecheck.objects.pending()
        .filter(question__deleted_at__isnull=True)
        .select_related("question", "update")
        .prefetch_related("question__topics")
    )


def rechecks_for_question(question, user) -> dict:
    """The banner data of a thread: pending rechecks and the latest completed check, of the
    regulatory updates this user may view (the banner names the update)."""
    rows = list(
        QuestionRecheck.objects.filter(question=question)
        .select_related("update", "cleared_by")
        .order_by("created_at", "pk")
    )
    visible = {pk: can_view_page(user, update) for pk, update in _updates(rows).items()}
    rows = [row for row in rows if visible[row.update_id]]
    pending = [row for row in rows if row.cleared_at is None]
    cleared = sorted(
        (row for row in rows if row.cleared_at is not None), key=lambda r: r.cleared_at
    )
    return {"pending": pending, "last_cleared": cleared[-1] if cleared else None}


def _updates(rows) -> dict:
    return {row.update_id: row.update for row in rows}


def documents_without_current_text() -> list[int]:
    """The Wagtail documents whose text for search is missing (a lost task, a document older
    than the extraction) or was read from another file than the current one (`file_hash`
    differs: the file was replaced while the task was lost). One query; `search_check`
    reports them and `--repair` reads them (`services.document_text_extract`)."""
    return list(
        get_document_model()
        .objects.annotate(text_hash=F("search_text__file_hash"))
        .filter(Q(text_hash__isnull=True) | ~Q(text_hash=F("file_hash")))
        .order_by("pk")
        .values_list("pk", flat=True)
    )

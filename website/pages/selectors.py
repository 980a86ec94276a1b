"""Reads of the CMS layer outside the page types: the moderators' re-check list and the
re-check banners of a thread.

What a page type shows is read by the page model itself (`models.py`, the Wagtail idiom), or
by a module it imports that does not import it back (`dashboard.py`, `suggestions.py`,
`collections.py`): no module of this package imports the page models and is imported by them.
Every function runs a fixed number of queries whatever the amount of data (tests bound them).
"""

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

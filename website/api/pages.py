"""Reading the CMS: the FAQ and the regulatory watch, what the site shows anyone — Wagtail
pages that are live and carry no view restriction (`.live().public()`), as `/faq/` and
`/veille/` list them. Visitors read them without a token; a token needs `read`.

Both lists are paginated by a signed cursor and answered with an ETag, like the questions.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Query
from wagtail.rich_text import expand_db_html

from taxonomy.models import Topic
from website.api.auth import require_scope
from website.api.problems import Problem
from website.api.read import router
from website.api.responses import etagged
from website.api.schemas import FaqPage, RegulatoryPage
from website.pages.models import FaqIndexPage, RegulatoryKind, RegulatoryUpdatePage, faq_items

FAQ_CURSOR_SALT = "website.api.faq-cursor"
WATCH_CURSOR_SALT = "website.api.veille-cursor"


def _bad_cursor() -> Problem:
    return Problem(
        400, "cursor_invalid", _("Ce curseur n'est pas valide : repartez de la 1re page.")
    )


def _load(cursor: str, salt: str):
    try:
        return signing.loads(cursor, salt=salt)
    except signing.BadSignature:
        raise _bad_cursor() from None


def _topic(slug: str | None) -> Topic | None:
    if not slug:
        return None
    found = Topic.objects.active().filter(slug=slug).first()
    if found is None:
        raise Problem(404, "topic_not_found", _("Ce sujet n'existe pas."))
    return found


@router.get("/faq", response=FaqPage, summary="FAQ")
def faq_list(
    request,
    topic: str | None = Query(None, description="A topic slug (the FAQ's sections)."),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(20, ge=1, le=settings.API_PAGE_SIZE),
):
    """The entries of `/faq/` in its order (written entries, then promoted threads, in the
    version a moderator approved). Empty while the FAQ page is unpublished or restricted."""
    require_scope(request, "read")
    wanted = _topic(topic)
    page = FaqIndexPage.objects.live().public().first()
    items = faq_items(page) if page else []
    if wanted:
        items = [item for item in items if item.topic == wanted]
    start = 0
    if cursor:
        start = _load(cursor, FAQ_CURSOR_SALT)
        if not isinstance(start, int) or start < 0:
            raise _bad_cursor()
    rows = items[start : start + limit]
    more = start + limit < len(items)
    base = page.url if page else ""
    return etagged(
        request,
        {
            "items": [
                {
                    "question": item.question,
                    "answer_html": expand_db_html(item.answer_html),
                    "topic": item.topic.slug if item.topic else None,
                    "last_checked": item.last_checked,
                    "sources": item.sources,
                    "url": request.build_absolute_uri(f"{base}#{item.anchor}"),
                    "thread_url": (
                        request.build_absolute_uri(item.thread_url) if item.thread_url else None
                    ),
                    "promoted": item.is_promoted,
                }
                for item in rows
            ],
            "next_cursor": signing.dumps(start + limit, salt=FAQ_CURSOR_SALT) if more else None,
        },
    )


@router.get("/veille", response=RegulatoryPage, summary="Regulatory watch")
def regulatory_list(
    request,
    topic: str | None = Query(None, description="A topic slug."),
    year: int | None = Query(None, ge=1900, le=2100, description="Year of publication."),
    kind: Literal[tuple(RegulatoryKind.values)] | None = None,  # type: ignore[valid-type]
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(20, ge=1, le=settings.API_PAGE_SIZE),
):
    """Published regulatory updates, newest publication first (the `/veille/` list)."""
    require_scope(request, "read")
    wanted = _topic(topic)
    updates = (
        RegulatoryUpdatePage.objects.live()
        .public()
        .prefetch_related("topics")
        .order_by("-publication_date", "-pk")
    )
    if wanted:
        updates = updates.filter(topics=wanted)
    if year:
        updates = updates.filter(publication_date__year=year)
    if kind:
        updates = updates.filter(kind=kind)
    if cursor:
        try:
            published, pk = _load(cursor, WATCH_CURSOR_SALT)
            published, pk = datetime.date.fromisoformat(published), int(pk)
        except (ValueError, TypeError):
            raise _bad_cursor() from None
        updates = updates.filter(
            Q(publication_date__lt=published) | Q(publication_date=published, pk__lt=pk)
        )
    rows = list(updates[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return etagged(
        request,
        {
            "items": [
                {
                    "id": update.pk,
                    "title": update.title,
                    "url": request.build_absolute_uri(update.url),
                    "kind": update.kind,
                    "official_reference": update.official_reference,
                    "official_url": update.official_url or None,
                    "publication_date": update.publication_date,
                    "effective_date": update.effective_date,
                    "audience": update.audience,
                    "topics": sorted(t.slug for t in update.topics.all()),
                    "summary": update.summary,
                    "body_html": expand_db_html(update.body),
                }
                for update in rows
            ],
            "next_cursor": (
                signing.dumps(
                    [rows[-1].publication_date.isoformat(), rows[-1].pk], salt=WATCH_CURSOR_SALT
                )
                if more
                else None
            ),
        },
    )

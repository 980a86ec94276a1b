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
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query
from wagtail.rich_text import expand_db_html

from directory.roles import is_member
from taxonomy.models import Topic
from website.api.auth import require_scope
from website.api.cursors import bad_cursor, load, offset_page
from website.api.problems import Problem
from website.api.read import router
from website.api.responses import created, etagged
from website.api.schemas import (
    FaqPage,
    RegulatoryDraft,
    RegulatoryIn,
    RegulatoryPage,
    RegulatoryUpdateDetail,
)
from website.pages import services as page_services
from website.pages.models import (
    FaqIndexPage,
    RegulatoryIndexPage,
    RegulatoryKind,
    RegulatoryUpdatePage,
    faq_items,
)
from website.pages.permissions import check_draft_update

FAQ_CURSOR_SALT = "website.api.faq-cursor"
WATCH_CURSOR_SALT = "website.api.veille-cursor"


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
    page_of = offset_page(items, cursor=cursor, limit=limit, salt=FAQ_CURSOR_SALT)
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
                for item in page_of.rows
            ],
            "next_cursor": page_of.next_cursor,
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
            published, pk = load(cursor, WATCH_CURSOR_SALT)
            published, pk = datetime.date.fromisoformat(published), int(pk)
        except (ValueError, TypeError):
            raise bad_cursor() from None
        updates = updates.filter(
            Q(publication_date__lt=published) | Q(publication_date=published, pk__lt=pk)
        )
    rows = list(updates[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return etagged(
        request,
        {
            "items": [_regulatory(request, update) for update in rows],
            "next_cursor": (
                signing.dumps(
                    [rows[-1].publication_date.isoformat(), rows[-1].pk], salt=WATCH_CURSOR_SALT
                )
                if more
                else None
            ),
        },
    )


def _regulatory(request, update) -> dict:
    return {
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


@router.get(
    "/veille/{rowid:update_id}", response=RegulatoryUpdateDetail, summary="A regulatory update"
)
def regulatory_detail(request, update_id: int):
    """One published update, as its page shows it: to members, the threads it makes
    « à revérifier » too (the page model's own rule, `RegulatoryUpdatePage.get_context`)."""
    require_scope(request, "read")
    update = (
        RegulatoryUpdatePage.objects.live()
        .public()
        .prefetch_related("topics")
        .filter(pk=update_id)
        .first()
    )
    if update is None:
        raise Problem(404, "not_found", _("Ce texte de veille n'existe pas."))
    data = _regulatory(request, update)
    affected = update.affected_threads() if is_member(request.user) else []
    data["affected_questions"] = [
        {
            "id": question.pk,
            "title": question.title,
            "url": request.build_absolute_uri(question.get_absolute_url()),
        }
        for question in affected
    ]
    return etagged(request, data)


def _refused(errors: list[dict]) -> Problem:
    return Problem(
        422, "invalid_input", _("Certaines valeurs sont refusées : voir « errors »."), errors=errors
    )


@router.post(
    "/veille",
    response={201: RegulatoryDraft},
    summary="Draft a regulatory update",
    tags=["écriture"],
)
def regulatory_create(request, payload: RegulatoryIn):
    """Editors (scope `write:veille`): a *draft* update, submitted to the second-editor
    review. Nothing is published here: another editor approves it in the admin, and its
    publication marks `affected_questions` « à revérifier »."""
    require_scope(request, "write:veille")
    check_draft_update(request.user, RegulatoryIndexPage.objects.first())
    data = payload.dict()
    slugs = data.pop("topics")
    topics = list(Topic.objects.active().filter(slug__in=slugs))
    errors = []
    unknown = sorted(set(slugs) - {topic.slug for topic in topics})
    if unknown:
        errors.append(
            {
                "loc": ["body", "topics"],
                "msg": _("Sujets inconnus : %(slugs)s.") % {"slugs": ", ".join(unknown)},
                "type": "invalid",
            }
        )
    ids = list(dict.fromkeys(data.pop("affected_questions")))
    questions = page_services.affectable_questions(ids)
    missing = sorted(set(ids) - {question.pk for question in questions})
    if missing:
        errors.append(
            {
                "loc": ["body", "affected_questions"],
                "msg": _("Questions introuvables : %(ids)s.")
                % {"ids": ", ".join(map(str, missing))},
                "type": "invalid",
            }
        )
    if errors:
        raise _refused(errors)
    data["body"] = data.pop("body_html")
    try:
        update = page_services.regulatory_update_draft(
            author=request.user, fields=data, topics=topics, questions=questions
        )
    except ValidationError as error:
        raise _refused(
            [
                {"loc": ["body", field], "msg": str(message), "type": "invalid"}
                for field, messages in error.message_dict.items()
                for message in messages
            ]
        ) from None
    admin_url = request.build_absolute_uri(reverse("wagtailadmin_pages:edit", args=[update.pk]))
    return created(
        request,
        {
            "id": update.pk,
            "title": update.title,
            "live": update.live,
            "in_review": update.workflow_in_progress,
            "admin_url": admin_url,
        },
        location=admin_url,
    )

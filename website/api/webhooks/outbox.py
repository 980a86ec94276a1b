"""The webhooks' outbox: one delivery row per event and subscribed endpoint.

The rows are written inside the transaction of the event (`qa.signals.event_recorded`,
`website.pages.signals.rechecks_recorded`), so an event that rolls back sends nothing and a
committed one is never lost; the sends are queued once it commits
(`tasks.enqueue_delivery`). Wagtail publishes a page without a transaction of its own, so a
regulatory update's row is written in a transaction of its own right after the page's save,
in the same request.

A payload carries ids, titles and addresses, never a post's text, and only what the
endpoint's owner may see (`qa.permissions.can_view_post`, `website.pages.permissions
.can_view_page`); an owner who is no longer a moderator gets nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from directory.roles import is_moderator
from qa.permissions import can_view_post
from website.api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from website.api.webhooks.tasks import enqueue_delivery
from website.pages.models import RegulatoryUpdatePage
from website.pages.permissions import can_view_page

QA_EVENTS = {
    "question_created": WebhookEvent.QUESTION_CREATED,
    "answer_accepted": WebhookEvent.ANSWER_ACCEPTED,
    "answer_validated": WebhookEvent.ANSWER_VALIDATED,
}


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def question_data(question) -> dict:
    return {
        "id": question.pk,
        "kind": question.kind,
        "title": question.title,
        "url": absolute(question.get_absolute_url()),
    }


def update_data(update: RegulatoryUpdatePage) -> dict:
    return {
        "id": update.pk,
        "title": update.title,
        "url": absolute(update.url or ""),
        "kind": update.kind,
        "official_reference": update.official_reference,
        "publication_date": update.publication_date.isoformat(),
    }


def body_for(event: str, data: dict, when) -> str:
    return json.dumps(
        {"event": event, "occurred_at": when.isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def record(event: str, data_for: Callable[[object], dict | None]) -> list[WebhookDelivery]:
    """Write a delivery for every active endpoint subscribed to `event` whose owner may see
    it (`data_for(owner)` answers None otherwise); queue them once the transaction commits."""
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(is_active=True).select_related("owner")
        if event in endpoint.events and is_moderator(endpoint.owner)
    ]
    now = timezone.now()
    rows = []
    for endpoint in endpoints:
        data = data_for(endpoint.owner)
        if data is not None:
            rows.append(
                WebhookDelivery(
                    endpoint=endpoint,
                    event=event,
                    body=body_for(event, data, now),
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    if not rows:
        return []
    created = WebhookDelivery.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    transaction.on_commit(lambda: [enqueue_delivery(pk) for pk in ids])
    return created


def on_qa_event(sender, event, instance, **kwargs):
    """`qa.signals.event_recorded`, inside the action's transaction."""
    hook_event = QA_EVENTS[event]
    if event == "question_created":

        def data_for(owner):
            return {"question": question_data(instance)} if can_view_post(owner, instance) else None
    else:

        def data_for(owner):
            if not can_view_post(owner, instance):
                return None
            return {
                "answer": {"id": instance.pk, "url": absolute(instance.get_absolute_url())},
                "question": question_data(instance.question),
            }

    record(hook_event, data_for)


def on_rechecks(sender, rechecks, **kwargs):
    """`website.pages.signals.rechecks_recorded`, inside the transaction opening the checks."""
    update = rechecks[0].update
    for recheck in rechecks:

        def data_for(owner, recheck=recheck):
            if not (can_view_post(owner, recheck.question) and can_view_page(owner, update)):
                return None
            return {
                "question": question_data(recheck.question),
                "regulatory_update": update_data(update),
            }

        record(WebhookEvent.RECHECK_REQUESTED, data_for)


def on_page_published(sender, instance, **kwargs):
    """Wagtail's `page_published`: a regulatory update was published (or republished)."""
    if not isinstance(instance, RegulatoryUpdatePage):
        return

    def data_for(owner):
        if not can_view_page(owner, instance):
            return None
        return {
            "regulatory_update": update_data(instance),
            "first_publication": instance.first_published_at == instance.last_published_at,
        }

    with transaction.atomic():
        record(WebhookEvent.REGULATORY_UPDATE_PUBLISHED, data_for)


def connect() -> None:
    from wagtail.signals import page_published

    from qa.signals import event_recorded
    from website.pages.signals import rechecks_recorded

    event_recorded.connect(on_qa_event, dispatch_uid="api.webhooks.on_qa_event")
    rechecks_recorded.connect(on_rechecks, dispatch_uid="api.webhooks.on_rechecks")
    page_published.connect(on_page_published, dispatch_uid="api.webhooks.on_page_published")

"""Sending one webhook delivery: claim it, sign it, POST it, record the answer.

Safe to call any number of times and from several workers at once: a row is claimed under its
lock before the request, and a delivered, abandoned or cancelled row is never sent again. A
failure (no answer within `API_WEBHOOKS_TIMEOUT_SECONDS`, a redirect, which is not followed,
any status but 2xx, an address the SSRF guard refuses) is retried with exponential back-off,
then abandoned after `API_WEBHOOKS_MAX_ATTEMPTS` tries. After
`API_WEBHOOKS_DISABLE_AFTER_FAILURES` failed tries in a row the endpoint is switched off, its
waiting deliveries cancelled, and its owner told by e-mail.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from directory.roles import is_moderator
from website.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from website.api.webhooks import ssrf
from website.api.webhooks.services import signing_secrets
from website.api.webhooks.signature import sign

logger = logging.getLogger(__name__)

USER_AGENT = "Entraide-Webhooks/1.0"


@dataclass(frozen=True)
class Outcome:
    status: str
    retry_at: datetime | None = None


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8… minutes after the n-th failed try, at most 6 hours."""
    seconds = settings.API_WEBHOOKS_RETRY_DELAY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.API_WEBHOOKS_RETRY_MAX_DELAY_SECONDS))


def stale_claim_delay() -> timedelta:
    return timedelta(seconds=settings.API_WEBHOOKS_STALE_CLAIM_SECONDS)


def _cancel(row: WebhookDelivery, reason: str) -> None:
    row.status = DeliveryStatus.CANCELLED
    row.next_attempt_at = None
    row.last_error = reason
    row.save(update_fields=["status", "next_attempt_at", "last_error"])


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    with transaction.atomic():
        row = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint__owner")
            .filter(pk=delivery_id)
            .first()
        )
        if row is None:
            return None
        if row.status == DeliveryStatus.SENDING:
            if row.claimed_at and row.claimed_at > now - stale_claim_delay():
                return None  # another worker is on it
        elif row.status != DeliveryStatus.PENDING:
            return None  # delivered, abandoned or cancelled: never again
        elif row.next_attempt_at and row.next_attempt_at > now:
            return None  # not due yet (a stray early task)
        if not row.endpoint.is_active:
            _cancel(row, "Webhook désactivé : envoi annulé.")
            return None
        if not is_moderator(row.endpoint.owner):
            _cancel(row, "Le responsable du webhook n'est plus modérateur : envoi annulé.")
            return None
        row.status = DeliveryStatus.SENDING
        row.claimed_at = now
        row.attempts += 1
        row.save(update_fields=["status", "claimed_at", "attempts"])
        return row


def request_headers(row: WebhookDelivery, body: bytes, secrets: list[str]) -> dict[str, str]:
    """The headers of one attempt. The signature is one `sha256=…` per secret, separated by
    a space: the current secret's first, then during a renewal's grace period the replaced
    one's (docs/api.md, "Renewing the secret")."""
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Entraide-Webhook-Id": str(row.event_id),
        "Entraide-Webhook-Event": row.event,
        "Entraide-Webhook-Timestamp": str(timestamp),
        "Entraide-Webhook-Signature": " ".join(sign(s, timestamp, body) for s in secrets),
    }


def _attempt(row: WebhookDelivery) -> tuple[int | None, str]:
    """POST the row; `(status code, "")` on a 2xx, else `(status code or None, error)`."""
    body = row.body.encode()
    headers = request_headers(row, body, signing_secrets(row.endpoint))
    try:
        answer = ssrf.post(
            row.endpoint.url, body, headers, timeout=settings.API_WEBHOOKS_TIMEOUT_SECONDS
        )
    except ssrf.UnsafeAddress as refusal:
        return None, f"Adresse refusée : {refusal}"
    except TimeoutError:
        return None, f"Pas de réponse en {settings.API_WEBHOOKS_TIMEOUT_SECONDS} s."
    except (OSError, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"[:2000]
    if 200 <= answer.status < 300:
        return answer.status, ""
    if 300 <= answer.status < 400:
        return answer.status, f"Redirection vers « {answer.location[:500]} » non suivie."
    return answer.status, f"Réponse HTTP {answer.status} : {answer.excerpt}"[:2000]


def deliver(delivery_id: int, *, now: datetime | None = None) -> Outcome:
    """Try to send one outbox row now."""
    now = now or timezone.now()
    row = _claim(delivery_id, now)
    if row is None:
        status = WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True)
        return Outcome(status=status.first() or "missing")
    status_code, error = _attempt(row)
    row.last_status_code = status_code
    row.last_error = error
    endpoint = row.endpoint
    if not error:
        row.status = DeliveryStatus.DELIVERED
        row.delivered_at = timezone.now()
        row.next_attempt_at = None
        row.save(
            update_fields=[
                "status",
                "delivered_at",
                "next_attempt_at",
                "last_status_code",
                "last_error",
            ]
        )
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        return Outcome(status=row.status)
    if row.attempts >= settings.API_WEBHOOKS_MAX_ATTEMPTS:
        row.status = DeliveryStatus.FAILED
        row.next_attempt_at = None
    else:
        row.status = DeliveryStatus.PENDING
        row.next_attempt_at = now + retry_delay(row.attempts)
    row.save(update_fields=["status", "next_attempt_at", "last_status_code", "last_error"])
    logger.warning(
        "Webhook delivery %s to endpoint %s failed (attempt %s): %s",
        row.pk,
        endpoint.pk,
        row.attempts,
        error,
    )
    _count_failure(endpoint, error)
    return Outcome(status=row.status, retry_at=row.next_attempt_at)


def _count_failure(endpoint: WebhookEndpoint, error: str) -> None:
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if (
            not endpoint.is_active
            or endpoint.consecutive_failures < settings.API_WEBHOOKS_DISABLE_AFTER_FAILURES
        ):
            return
        endpoint_disable(endpoint=endpoint, reason=error)


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> None:
    """Switch the endpoint off after its failures, cancel what waits, tell its owner."""
    endpoint.is_active = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = reason[:300]
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    endpoint.deliveries.filter(status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED,
        next_attempt_at=None,
        last_error="Webhook désactivé après des échecs répétés : envoi annulé.",
    )
    transaction.on_commit(lambda: _tell_owner(endpoint.pk))


def _tell_owner(endpoint_id: int) -> None:
    endpoint = WebhookEndpoint.objects.select_related("owner").get(pk=endpoint_id)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Webhook « %(name)s » désactivé") % {"name": endpoint.name}
        text = _(
            "Le webhook « %(name)s » (%(url)s) a échoué %(count)d fois de suite ; il est "
            "désactivé et ses envois en attente sont annulés.\n\nDernière erreur : "
            "%(reason)s\n\nCorrigez le serveur qui reçoit les envois, puis réactivez le "
            "webhook dans l'administration : %(admin)s"
        ) % {
            "name": endpoint.name,
            "url": endpoint.url,
            "count": endpoint.consecutive_failures,
            "reason": endpoint.disabled_reason,
            "admin": settings.SITE_URL.rstrip("/") + "/admin/webhooks/",
        }
    try:
        send_mail(subject, text, None, [endpoint.owner.email])
    except Exception:
        logger.exception("Could not tell the owner of webhook %s it was disabled", endpoint_id)

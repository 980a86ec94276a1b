"""Bounces: delivery status notifications (DSN, RFC 3464) about our e-mails, and pausing the
e-mails of a member whose address keeps refusing them.

A DSN comes back to the envelope sender of our e-mails (`NOTIFICATIONS_BOUNCE_ADDRESS`) and goes
through the intake like a reply; `inbound.process` ignores it as a bounce (never answered) and
hands it here. For each recipient it reports as failed for good (`Action: failed`, status
5.x.x), it is counted against a member only when the original Message-ID it quotes is an
e-mail of our outbox to that member's address: Message-IDs are never shown, so a forged DSN
pauses nobody. Delays (`Action: delayed`, 4.x.x) and reports we cannot tie to an e-mail are
logged and not counted.

`NOTIFICATIONS_BOUNCES_BEFORE_PAUSE` such failures within `NOTIFICATIONS_BOUNCE_WINDOW_DAYS`
pause the member's e-mails (`EmailPause`: the outbox cancels their rows) and tell them on the
site: a notification of kind « e-mails suspendus » and a notice with « Reprendre l'envoi des
e-mails » on the preferences page (`emails_resume`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage, Message

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from directory import services as directory_services
from website.notifications import mailtext
from website.notifications.kinds import Kind
from website.notifications.models import (
    EmailBounce,
    EmailDelivery,
    EmailPause,
    InboundMail,
    Notification,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FailedRecipient:
    address: str
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # e.g. 5.1.1
    diagnostic: str

    @property
    def is_permanent(self) -> bool:
        return self.action == "failed" and self.status.startswith("5")


@dataclass(frozen=True)
class DeliveryReport:
    recipients: list[FailedRecipient]
    original_message_id: str


def _address(value: str) -> str:
    """`rfc822; anne@example.fr` → `anne@example.fr`."""
    _type, _sep, address = value.partition(";")
    return (address or value).strip().strip("<>").lower()


def _status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload
    # Some parsers leave the fields as text: read them as header blocks.
    text = payload if isinstance(payload, str) else ""
    return [mailtext.parse(block.strip().encode() + b"\n\n") for block in text.split("\n\n")]


def _original_message_id(message: EmailMessage) -> str:
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message) and inner.get("Message-ID"):
                return str(inner["Message-ID"]).strip()
        elif content_type in {"text/rfc822-headers", "message/rfc822-headers"}:
            headers = mailtext.parse(part.get_payload(decode=True) or b"")
            if headers.get("Message-ID"):
                return str(headers["Message-ID"]).strip()
    return ""


def read_report(message: EmailMessage) -> DeliveryReport | None:
    """The recipients a `multipart/report; report-type=delivery-status` reports on, and the
    Message-ID of the e-mail it is about; None for a bounce without such a report."""
    recipients = []
    for part in message.walk():
        if part.get_content_type() not in {
            "message/delivery-status",
            "message/global-delivery-status",
        }:
            continue
        for block in _status_blocks(part)[1:]:  # the first block is about the whole message
            address = _address(
                str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
            )
            if not address:
                continue
            recipients.append(
                FailedRecipient(
                    address=address,
                    action=str(block.get("Action") or "").strip().lower(),
                    status=str(block.get("Status") or "").strip()[:20],
                    diagnostic=" ".join(str(block.get("Diagnostic-Code") or "").split())[:500],
                )
            )
    if not recipients:
        return None
    return DeliveryReport(recipients=recipients, original_message_id=_original_message_id(message))


def record(mail: InboundMail, message: EmailMessage, *, now=None) -> list[EmailBounce]:
    """Count the permanent failures of a DSN against the members they concern; pause those
    who reach the limit. Returns the bounces recorded."""
    now = now or timezone.now()
    report = read_report(message)
    if report is None:
        logger.info("Inbound mail %s: a bounce without a delivery-status report", mail.pk)
        return []
    delivery = (
        EmailDelivery.objects.select_related("recipient")
        .filter(message_id=report.original_message_id)
        .first()
        if report.original_message_id
        else None
    )
    if (
        delivery is None or delivery.recipient_id is None
    ) and directory_services.invitation_bounced(
        message_id=report.original_message_id,
        addresses={failed.address for failed in report.recipients if failed.is_permanent},
    ):
        logger.warning("Inbound mail %s: an invitation e-mail bounced", mail.pk)
        return []
    if delivery is not None and delivery.recipient_id is None:
        return []  # an e-mail to an address without an account: no member to count it against
    recorded = []
    for failed in report.recipients:
        if not failed.is_permanent:
            logger.info(
                "Inbound mail %s: %s %s, not counted", mail.pk, failed.action, failed.status
            )
            continue
        if delivery is None or (delivery.recipient.email or "").lower() != failed.address:
            logger.warning(
                "Inbound mail %s: bounce for %s matches no e-mail we sent to that address",
                mail.pk,
                failed.address,
            )
            continue
        try:
            with transaction.atomic():
                bounce = EmailBounce.objects.create(
                    user=delivery.recipient,
                    delivery=delivery,
                    inbound_mail=mail,
                    address=failed.address,
                    status=failed.status,
                    diagnostic=failed.diagnostic,
                    created_at=now,
                )
        except IntegrityError:
            continue  # this e-mail's failure was counted already (a second DSN about it)
        recorded.append(bounce)
        logger.warning(
            "E-mail %s to user %s bounced: %s %s",
            delivery.pk,
            delivery.recipient_id,
            failed.status,
            failed.diagnostic,
        )
        _pause_if_repeated(bounce, now=now)
    return recorded


def _pause_if_repeated(bounce: EmailBounce, *, now) -> None:
    since = now - timedelta(days=settings.NOTIFICATIONS_BOUNCE_WINDOW_DAYS)
    count = EmailBounce.objects.filter(
        user=bounce.user_id, cleared_at__isnull=True, created_at__gte=since
    ).count()
    if count < settings.NOTIFICATIONS_BOUNCES_BEFORE_PAUSE:
        return
    pause, created = EmailPause.objects.get_or_create(
        user_id=bounce.user_id,
        defaults={"address": bounce.address, "diagnostic": bounce.diagnostic, "paused_at": now},
    )
    if not created:
        return
    logger.warning("E-mails of user %s paused after %s bounces", bounce.user_id, count)
    Notification.objects.get_or_create(
        recipient_id=bounce.user_id,
        event_key=f"emails_paused:{int(now.timestamp())}",
        defaults={
            "kind": Kind.EMAILS_PAUSED,
            "title": pause.address,
            "excerpt": pause.diagnostic,
            "url": reverse("notifications:preferences") + "#courriels-suspendus",
            "created_at": now,
        },
    )


def is_paused(user_id: int) -> bool:
    return EmailPause.objects.filter(user_id=user_id).exists()


@transaction.atomic
def emails_resume(*, user) -> bool:
    """The member checked their address: e-mails go again, the past bounces no longer count."""
    deleted, _by_model = EmailPause.objects.filter(user=user).delete()
    EmailBounce.objects.filter(user=user, cleared_at__isnull=True).update(cleared_at=timezone.now())
    Notification.objects.filter(
        recipient=user, kind=Kind.EMAILS_PAUSED, read_at__isnull=True
    ).update(read_at=timezone.now())
    return bool(deleted)

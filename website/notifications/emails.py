"""Rendering e-mails into the outbox and delivering them with retry, back-off and no duplicates.

Delivery protocol for one `EmailDelivery` row (any number of workers or cron runs may race):
1. claim: in a short transaction, lock the row; only a PENDING row (or a SENDING claim older
   than the stale delay, left by a crashed worker) is taken; it becomes SENDING.
2. send over one explicitly opened connection; closing it may fail without consequence.
3. record: SENT, or back to PENDING with `next_attempt_at` (exponential back-off), or FAILED
   after the last attempt. The user's action was committed long before: nothing rolls back.
Every attempt sends the same rendered bytes with the same Message-ID.

An outage of the mail server (unreachable, timing out, answering 4xx, refusing our login)
is not the message's fault: such failures never use up the attempts, the e-mail waits in the
outbox until the server is back (for at most `give_up_delay()`). Only a failure of the message
itself (a 5xx refusal of the recipient or the content, an unexpected error) ends in FAILED.
"""

import logging
import smtplib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from website.notifications import bounces
from website.notifications.models import DeliveryKind, DeliveryStatus, EmailDelivery
from website.notifications.selectors import can_receive_email

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[Entraide] "


def safe_header(value, *, max_length: int = 150) -> str:
    """One line of printable text: newlines and control characters from titles or names become
    spaces, so nothing a member types can add a mail header."""
    text = "".join(
        " " if unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} else char
        for char in str(value)
    )
    text = " ".join(text.split())
    if len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def max_attempts() -> int:
    return settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: 2, 4, 8, 16… minutes by default, capped at one hour (once the
    mail server is back, a long outage delays the waiting e-mails by an hour at most)."""
    base = settings.NOTIFICATIONS_EMAIL_RETRY_DELAY_SECONDS
    doublings = min(max(attempts - 1, 0), 16)  # an outage may bring hundreds of attempts
    return timedelta(seconds=min(base * 2**doublings, 3600))


def give_up_delay() -> timedelta:
    """How long an e-mail waits for an unreachable mail server before it is abandoned."""
    return timedelta(days=settings.NOTIFICATIONS_EMAIL_GIVE_UP_AFTER_DAYS)


def is_server_failure(error: BaseException) -> bool:
    """Whether the mail server failed (down, busy, 4xx, our login or sender refused) rather
    than this message (its recipient or content refused with a 5xx, or an unexpected error)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPException | OSError)


def stale_claim_delay() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATIONS_EMAIL_STALE_CLAIM_SECONDS)


def new_message_id() -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "entraide.invalid"
    return make_msgid(idstring="entraide", domain=domain)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(*, template: str, subject: str, context: dict) -> RenderedEmail:
    """`templates/email/<template>.txt` and `.html`, always in the site's language."""
    context = {
        "SITE_URL": settings.SITE_URL.rstrip("/"),
        "SITE_NAME": "Entraide",
        "subject": subject,
        **context,
    }
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(f"email/{template}.txt", context)
        html = render_to_string(f"email/{template}.html", context)
    return RenderedEmail(subject=SUBJECT_PREFIX + safe_header(subject), text=text, html=html)


def outbox_row(
    *,
    key: str,
    rendered: RenderedEmail,
    recipient=None,
    to: str = "",
    unsubscribe_url: str = "",
    reply_to: str = "",
    message_id: str = "",
) -> tuple[EmailDelivery, bool]:
    """The immediate outbox row for `key`, created the first time only (a retried task or a
    message delivered twice finds it again), and whether this call created it. It goes to an
    account (`recipient`) or, for the directory's invitations, to an address without one
    (`to`). Queueing the send is the caller's: `tasks.queue_once`, or
    `tasks.queue_immediate_emails` for notifications."""
    if (recipient is None) == (not to):
        raise ValueError("an outbox row goes to an account or to an address, exactly one")
    return EmailDelivery.objects.get_or_create(
        idempotency_key=key[:200],
        defaults={
            "recipient": recipient,
            "to_address": to,
            "kind": DeliveryKind.IMMEDIATE if recipient is not None else DeliveryKind.INVITATION,
            "subject": safe_header(rendered.subject, max_length=250),
            "body_text": rendered.text,
            "body_html": rendered.html,
            "unsubscribe_url": unsubscribe_url,
            "message_id": message_id or new_message_id(),
            "reply_to": reply_to,
            "next_attempt_at": timezone.now(),
        },
    )


def build_message(delivery: EmailDelivery) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": delivery.message_id,
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if delivery.unsubscribe_url:  # not for an invitation: nobody subscribed to it
        headers["List-Unsubscribe"] = f"<{delivery.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    envelope_sender = settings.DEFAULT_FROM_EMAIL
    if settings.NOTIFICATIONS_BOUNCE_ADDRESS:
        # Django sends from `from_email` and writes the `From` header from `headers`: the
        # bounces come back to the address the intake reads (bounces.py), not to no-reply.
        headers["From"] = settings.DEFAULT_FROM_EMAIL
        envelope_sender = settings.NOTIFICATIONS_BOUNCE_ADDRESS
    message = EmailMultiAlternatives(
        subject=safe_header(delivery.subject, max_length=250),
        body=delivery.body_text,
        from_email=envelope_sender,
        to=[delivery.to],
        reply_to=[delivery.reply_to] if delivery.reply_to else None,
        headers=headers,
    )
    if delivery.body_html:
        message.attach_alternative(delivery.body_html, "text/html")
    return message


def _claim(delivery_id: int, now: datetime) -> EmailDelivery | None:
    with transaction.atomic():
        delivery = (
            EmailDelivery.objects.select_for_update(of=("self",))  # the account may be none
            .select_related("recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return None
        if delivery.status == DeliveryStatus.SENDING:
            if delivery.claimed_at and delivery.claimed_at > now - stale_claim_delay():
                return None  # another worker is on it
        elif delivery.status != DeliveryStatus.PENDING:
            return None  # sent, failed or cancelled: never again
        if delivery.recipient_id is None:
            pass  # an address without an account (an invitation): no account to check
        elif not can_receive_email(delivery.recipient):
            delivery.status = DeliveryStatus.CANCELLED
            delivery.last_error = "Compte en attente, désactivé ou effacé : pas d'e-mail."
            delivery.save(update_fields=["status", "last_error"])
            return None
        elif bounces.is_paused(delivery.recipient_id):
            delivery.status = DeliveryStatus.CANCELLED
            delivery.last_error = "E-mails suspendus : l'adresse les refuse (bounces.py)."
            delivery.save(update_fields=["status", "last_error"])
            return None
        delivery.status = DeliveryStatus.SENDING
        delivery.claimed_at = now
        delivery.attempts += 1
        delivery.save(update_fields=["status", "claimed_at", "attempts"])
        return delivery


def _send(message: EmailMultiAlternatives) -> int:
    connection = get_connection(
        fail_silently=False, timeout=settings.NOTIFICATIONS_EMAIL_TIMEOUT_SECONDS
    )
    connection.open()
    try:
        return connection.send_messages([message])
    finally:
        try:
            connection.close()
        except Exception:
            # The message was handed over already; a failed QUIT must not cause a resend.
            logger.warning("SMTP connection did not close cleanly", exc_info=True)


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str
    retry_at: datetime | None = None


def deliver(delivery_id: int, *, now: datetime | None = None) -> DeliveryOutcome:
    """Try to send one outbox row now. Safe to call any number of times."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        status = (
            EmailDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
        )
        return DeliveryOutcome(status=status or "missing")
    try:
        sent = _send(build_message(delivery))
        if not sent:
            raise RuntimeError("The e-mail backend accepted no message.")
    except Exception as error:
        delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
        if is_server_failure(error):
            give_up = delivery.created_at + give_up_delay() <= now
        else:
            give_up = delivery.attempts >= max_attempts()
        if give_up:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            logger.error(
                "E-mail %s to user %s abandoned after %s attempts: %s",
                delivery.pk,
                delivery.recipient_id,
                delivery.attempts,
                delivery.last_error,
            )
        else:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
            logger.warning(
                "E-mail %s to user %s failed (attempt %s), retry at %s: %s",
                delivery.pk,
                delivery.recipient_id,
                delivery.attempts,
                delivery.next_attempt_at.isoformat(),
                delivery.last_error,
            )
        delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
        return DeliveryOutcome(status=delivery.status, retry_at=delivery.next_attempt_at)
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = timezone.now()
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "sent_at", "next_attempt_at"])
    return DeliveryOutcome(status=DeliveryStatus.SENT)

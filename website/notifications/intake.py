"""The one way in for e-mails sent to reply addresses: store first, then process in a task.

`mail_receive` is called by every entry point (`manage.py mail_listen`, `manage.py
mail_intake --file`); it writes the raw bytes before anything else, so nothing is lost when the
processing fails or the worker is down. The same Message-ID twice (a retried delivery, a
replayed message) is stored once and processed once.
"""

from __future__ import annotations

import hashlib
import logging
import traceback

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django_tasks import task

from website.notifications import inbound, mailtext
from website.notifications.models import InboundMail, InboundStatus

logger = logging.getLogger(__name__)


def _message_id(raw: bytes) -> str:
    try:
        value = mailtext.header(mailtext.parse(raw[:65536]), "Message-ID").strip()
    except Exception:
        value = ""
    if value:
        return value[:250]
    return "<sha256." + hashlib.sha256(raw).hexdigest() + "@sans-message-id>"


def mail_receive(*, raw: bytes, envelope_to: str = "") -> tuple[InboundMail, bool]:
    """Store one received message and queue its processing; (row, created).

    A message over `INBOUND_MAIL_MAX_BYTES` is kept cut to that size (its headers and start)
    and refused by the processing."""
    message_id = _message_id(raw)
    stored = raw[: settings.INBOUND_MAIL_MAX_BYTES]
    try:
        with transaction.atomic():
            mail = InboundMail.objects.create(
                message_id=message_id, raw=stored, envelope_to=envelope_to[:320]
            )
    except IntegrityError:
        logger.info("Inbound mail %s received again: ignored (replay)", message_id)
        return InboundMail.objects.get(message_id=message_id), False
    transaction.on_commit(lambda: enqueue(mail.pk))
    return mail, True


def enqueue(mail_id: int) -> None:
    """Queue the processing; a queueing failure leaves the row RECEIVED for `mail_intake`."""
    try:
        process_inbound_mail.enqueue(mail_id)
    except Exception:
        logger.exception("Could not queue inbound mail %s", mail_id)


@task(queue_name="default")
def process_inbound_mail(mail_id: int) -> str:
    return mail_process(mail_id=mail_id)


def mail_process(*, mail_id: int) -> str:
    """Process one RECEIVED row under its lock; any other status is left alone.

    A database that is momentarily unavailable (`OperationalError`: locked, connection lost)
    is not the message's fault: the error goes up, the row stays RECEIVED, and the task's
    retry or the `mail_intake --pending` cron processes it later. Any other error marks the
    row FAILED for the moderators' queue.
    """
    with transaction.atomic():
        mail = InboundMail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None:
            return "missing"
        if mail.status != InboundStatus.RECEIVED:
            return mail.status
        try:
            with transaction.atomic():
                inbound.process(mail)
        except OperationalError:
            raise
        except Exception as error:
            logger.exception("Inbound mail %s could not be processed", mail_id)
            mail.status, mail.reason = InboundStatus.FAILED, "error"
            mail.error = "".join(traceback.format_exception_only(error))[:2000]
            mail.processed_at = timezone.now()
        mail.save()
        return mail.status


def mail_retry(*, mail: InboundMail) -> str:
    """A moderator tries a refused or failed message again (the member's account was
    validated, the thread unlocked…)."""
    updated = InboundMail.objects.filter(
        pk=mail.pk, status__in=[InboundStatus.REFUSED, InboundStatus.FAILED]
    ).update(status=InboundStatus.RECEIVED, reason="", error="")
    if not updated:
        return mail.status
    return mail_process(mail_id=mail.pk)


def mail_discard(*, mail: InboundMail) -> bool:
    """A moderator sets a refused or failed message aside (kept, out of the list)."""
    return bool(
        InboundMail.objects.filter(
            pk=mail.pk, status__in=[InboundStatus.REFUSED, InboundStatus.FAILED]
        ).update(status=InboundStatus.DISCARDED)
    )

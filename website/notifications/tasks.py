"""Background work: the fan-out of an event to its recipients, and e-mail delivery.

The immediate backend runs these inline (development, tests); in production the database
backend queues them for `manage.py db_worker` (see docs/notifications.md).
"""

import logging
from collections.abc import Iterable

from django.db import transaction
from django_tasks import task

from website.notifications import emails
from website.notifications.events import handle
from website.notifications.models import EmailDelivery, Notification

logger = logging.getLogger(__name__)


@task(queue_name="default")
def fan_out(event: str, payload: dict) -> int:
    """Compute who hears about an event, create their notifications and queue their e-mails."""
    created = handle(event, payload)
    queue_immediate_emails(created)
    return len(created)


def queue_immediate_emails(notifications: Iterable[Notification]) -> None:
    """Queue, once the transaction commits, the e-mails `services.notify` attached to these
    notifications (recipients who want this kind at once)."""
    ids = [n.email_delivery_id for n in notifications if n.email_delivery_id is not None]
    if ids:
        transaction.on_commit(lambda: [enqueue_email(delivery_id) for delivery_id in ids])


@task(queue_name="email")
def send_email(delivery_id: int) -> str:
    """Send one outbox row; on failure, schedule the next attempt with back-off."""
    outcome = emails.deliver(delivery_id)
    if outcome.retry_at is not None and send_email.get_backend().supports_defer:
        send_email.using(run_after=outcome.retry_at).enqueue(delivery_id)
    return outcome.status


def enqueue_email(delivery_id: int) -> None:
    """Queue a send; a queue failure only delays the e-mail (the cron retry picks it up)."""
    try:
        send_email.enqueue(delivery_id)
    except Exception:
        logger.exception("Could not queue e-mail %s; the retry command will send it", delivery_id)


def queue_once(
    *,
    key: str,
    rendered: emails.RenderedEmail,
    recipient=None,
    to: str = "",
    unsubscribe_url: str = "",
    reply_to: str = "",
    message_id: str = "",
) -> EmailDelivery:
    """Put a one-off e-mail in the outbox under `key` and queue its send once the transaction
    commits; called again with the same key (a retry, a duplicate webhook), it queues nothing.
    It goes to an account (`recipient`) or to an address without one (`to`: the directory's
    invitations, `message_id` theirs, so that a bounce names the invitation). A failed queue or
    send leaves the row pending for `send_pending_emails`."""
    delivery, created = emails.outbox_row(
        key=key,
        rendered=rendered,
        recipient=recipient,
        to=to,
        unsubscribe_url=unsubscribe_url,
        reply_to=reply_to,
        message_id=message_id,
    )
    if created:
        transaction.on_commit(lambda: enqueue_email(delivery.pk))
    return delivery


def enqueue_fan_out(event: str, payload: dict) -> None:
    """Queue the fan-out of an event; never let it break the member's (committed) action."""
    try:
        fan_out.enqueue(event, payload)
    except Exception:
        logger.exception("Could not queue notifications for %s %s", event, payload)

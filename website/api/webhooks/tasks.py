"""Webhook sends as tasks on the "default" queue (a `db_worker` in production; the immediate
backend runs them in the committing process in development and tests)."""

import logging

from django_tasks import task

from website.api.webhooks import delivery

logger = logging.getLogger(__name__)


@task(queue_name="default")
def deliver_webhook(delivery_id: int) -> str:
    """Send one outbox row; on failure, queue the next attempt at its back-off time."""
    outcome = delivery.deliver(delivery_id)
    if outcome.retry_at is not None and deliver_webhook.get_backend().supports_defer:
        deliver_webhook.using(run_after=outcome.retry_at).enqueue(delivery_id)
    return outcome.status


def enqueue_delivery(delivery_id: int) -> None:
    """Queue a send; a queue failure only delays it (`send_pending_webhooks` picks it up)."""
    try:
        deliver_webhook.enqueue(delivery_id)
    except Exception:
        logger.exception("Could not queue webhook delivery %s; the retry command will", delivery_id)

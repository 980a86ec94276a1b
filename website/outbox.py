"""The cron safety net shared by the two outboxes, e-mails (`notifications.EmailDelivery`) and
webhooks (`api.WebhookDelivery`): which rows are due, sent one by one by their own `deliver`.

Both outboxes use the same states: `pending` rows wait for `next_attempt_at`, and a `sending`
row whose claim is older than the stale delay was left by a worker that died mid-send.
"""

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.db.models import Model, Q
from django.utils import timezone


def send_due(
    model: type[Model], deliver: Callable, *, stale_after: timedelta, limit: int
) -> tuple[int, str]:
    """Send what is due (at most `limit` rows); the number sent and a summary by outcome."""
    now = timezone.now()
    due = Q(status="pending", next_attempt_at__lte=now) | Q(
        status="sending", claimed_at__lt=now - stale_after
    )
    ids = list(
        model.objects.filter(due)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    outcomes = Counter()
    for row_id in ids:
        # The clock of each try, not of the run's start: a run through an outage can last long,
        # and a claim or a retry dated back would look stale or due at once.
        outcomes[deliver(row_id).status] += 1
    return len(ids), ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))

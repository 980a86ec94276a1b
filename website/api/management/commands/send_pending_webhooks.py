"""`manage.py send_pending_webhooks`: send the webhook deliveries that are due (cron, every
minute or five).

The database task backend retries on its own (each failure re-queues the send at its back-off
time); this command is the safety net when a worker was down, a queueing failed, or the
immediate backend is used. Safe to run beside workers: each row is claimed before sending.
"""

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from website.api.models import DeliveryStatus, WebhookDelivery
from website.api.webhooks.delivery import deliver, stale_claim_delay


class Command(BaseCommand):
    help = "Envoie les webhooks en attente dont l'heure d'essai est passée."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, limit=500, **options):
        now = timezone.now()
        due = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
            # a worker that died mid-send left its claim behind
            status=DeliveryStatus.SENDING,
            claimed_at__lt=now - stale_claim_delay(),
        )
        ids = list(
            WebhookDelivery.objects.filter(due)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        outcomes: dict[str, int] = {}
        for delivery_id in ids:
            status = deliver(delivery_id).status
            outcomes[status] = outcomes.get(status, 0) + 1
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
        self.stdout.write(f"{len(ids)} webhook(s) à envoyer : {summary or 'rien à faire'}.")

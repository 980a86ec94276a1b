"""`manage.py send_pending_webhooks`: send the webhook deliveries that are due (cron, every
minute or five).

The database task backend retries on its own (each failure re-queues the send at its back-off
time); this command is the safety net when a worker was down, a queueing failed, or the
immediate backend is used. Safe to run beside workers: each row is claimed before sending.
"""

from django.core.management.base import BaseCommand

from website.api.models import WebhookDelivery
from website.api.webhooks.delivery import deliver, stale_claim_delay
from website.outbox import send_due


class Command(BaseCommand):
    help = "Envoie les webhooks en attente dont l'heure d'essai est passée."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, limit=500, **options):
        count, summary = send_due(
            WebhookDelivery, deliver, stale_after=stale_claim_delay(), limit=limit
        )
        self.stdout.write(f"{count} webhook(s) à envoyer : {summary or 'rien à faire'}.")

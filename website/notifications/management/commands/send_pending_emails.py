"""`manage.py send_pending_emails`: retry the outbox rows that are due (cron, every 5 minutes).

The database task backend retries on its own (each failure re-queues the send with its
back-off); this command is the safety net when a worker was down or the immediate backend is
used. Safe to run at the same time as workers: each row is claimed before sending.
"""

from django.core.management.base import BaseCommand

from website.notifications.emails import deliver, stale_claim_delay
from website.notifications.models import EmailDelivery
from website.outbox import send_due


class Command(BaseCommand):
    help = "Renvoie les e-mails de notification en attente dont l'heure de nouvel essai est passée."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, limit=500, **options):
        count, summary = send_due(
            EmailDelivery, deliver, stale_after=stale_claim_delay(), limit=limit
        )
        self.stdout.write(f"{count} e-mail(s) à réessayer : {summary or 'rien à faire'}.")

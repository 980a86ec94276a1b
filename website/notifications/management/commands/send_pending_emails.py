"""`manage.py send_pending_emails`: retry the outbox rows that are due (cron, every 5 minutes).

The database task backend retries on its own (each failure re-queues the send with its
back-off); this command is the safety net when a worker was down or the immediate backend is
used. Safe to run at the same time as workers: each row is claimed before sending.
"""

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from website.notifications.emails import deliver, stale_claim_delay
from website.notifications.models import DeliveryStatus, EmailDelivery


class Command(BaseCommand):
    help = "Renvoie les e-mails de notification en attente dont l'heure de nouvel essai est passée."

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
            EmailDelivery.objects.filter(due)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        outcomes: dict[str, int] = {}
        for delivery_id in ids:
            # The clock of each try, not of the run's start: a run through an outage can
            # last long, and a claim or a retry dated back would look stale or due at once.
            status = deliver(delivery_id).status
            outcomes[status] = outcomes.get(status, 0) + 1
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
        self.stdout.write(f"{len(ids)} e-mail(s) à réessayer : {summary or 'rien à faire'}.")

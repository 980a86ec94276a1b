"""`manage.py send_digests --daily|--weekly`: queue this period's digests (cron-ready).

Idempotent: a second run in the same period sends nothing twice. E-mails whose sending failed
stay in the outbox and are retried with back-off (also by `send_pending_emails`).
"""

from django.core.management.base import BaseCommand, CommandError

from website.notifications.digests import send_digests
from website.notifications.kinds import Frequency
from website.notifications.models import DeliveryStatus, EmailDelivery

LABELS = {Frequency.DAILY: "quotidiens", Frequency.WEEKLY: "hebdomadaires"}


class Command(BaseCommand):
    help = "Prépare et envoie les résumés quotidiens ou hebdomadaires des notifications."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--daily", action="store_true", help="Résumé quotidien")
        group.add_argument("--weekly", action="store_true", help="Résumé hebdomadaire")

    def handle(self, *args, daily=False, weekly=False, **options):
        frequency = Frequency.DAILY if daily else Frequency.WEEKLY
        if not (daily or weekly):
            raise CommandError("Précisez --daily ou --weekly.")
        run = send_digests(frequency=frequency)
        ids = [delivery.pk for delivery in run.queued]
        statuses = dict.fromkeys(DeliveryStatus.values, 0)
        for status in EmailDelivery.objects.filter(pk__in=ids).values_list("status", flat=True):
            statuses[status] += 1
        self.stdout.write(
            f"Résumés {LABELS[frequency]} ({run.period}) : {len(ids)} préparés, "
            f"{statuses[DeliveryStatus.SENT]} envoyés, "
            f"{statuses[DeliveryStatus.PENDING] + statuses[DeliveryStatus.SENDING]} en file, "
            f"{run.already_done} déjà faits pour cette période."
        )
        failed = EmailDelivery.objects.filter(
            pk__in=ids, status=DeliveryStatus.PENDING, attempts__gt=0
        ).exclude(last_error="")
        if failed.exists():
            first = failed.first()
            self.stderr.write(
                f"{failed.count()} envoi(s) en échec, réessayé(s) automatiquement "
                f"(prochain essai à {first.next_attempt_at:%H:%M}) : {first.last_error}"
            )

"""`manage.py prune_thread_visits`: delete old unread markers (cron, nightly).

A member's last visit of a thread (`qa.ThreadVisit`) is kept `QA_THREAD_VISIT_RETENTION_DAYS`
days; markers of deleted threads go at once. Idempotent, safe while the site runs.
"""

from django.core.management.base import BaseCommand

from qa.services import thread_visits_prune


class Command(BaseCommand):
    help = "Supprime les dernières visites de fils trop anciennes ou de fils supprimés."

    def handle(self, *args, **options):
        deleted = thread_visits_prune()
        self.stdout.write(f"{deleted} dernière(s) visite(s) supprimée(s).")

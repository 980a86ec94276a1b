"""Recompute the shared needs' aggregates now (cron, every 15 minutes; docs/operations.md)."""

from django.core.management.base import BaseCommand

from website.needs import refresh


class Command(BaseCommand):
    help = "Recompute the shared needs' aggregates (/besoins-partages/)."

    def handle(self, *args, **options):
        done = refresh.refresh()
        self.stdout.write(f"shared needs refreshed in {done.duration_ms} ms")

"""Build a fresh index beside the live one and switch to it atomically."""

import time

from django.core.management.base import BaseCommand

from website.search import services


class Command(BaseCommand):
    help = "Rebuild the search index from the database (the site keeps answering meanwhile)."

    def handle(self, *args, **options):
        started = time.monotonic()
        count = services.rebuild()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Search index rebuilt: {count} documents in {elapsed:.1f} s.")
        )

"""`manage.py attachments_sweep`: delete attachment files that no row names (cron, nightly).

A posting service deletes the files it wrote when its own transaction fails; this sweep removes
what is left by a rollback around it or by a process killed before the commit
(`qa.services.attachment_orphans_delete`). Only files older than `--hours` (24) go, so a post
being committed keeps its files. Idempotent, safe while the site runs.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand

from qa.services import attachment_orphans_delete


class Command(BaseCommand):
    help = "Supprime les fichiers de pièces jointes qu'aucune pièce jointe ne désigne."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="Âge minimal des fichiers.")

    def handle(self, *args, hours, **options):
        deleted = attachment_orphans_delete(older_than=timedelta(hours=hours))
        self.stdout.write(f"{deleted} fichier(s) orphelin(s) supprimé(s).")

"""`manage.py import_directory FILE [--dry-run] [--valid-rows-only]`: read a participant list."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from directory import importer, services


class Command(BaseCommand):
    help = (
        "Importe une liste de participants (CSV/TSV : « Prénom, Nom », « Structure », « Mail », "
        "« Fonction », « Téléphone »). Tout ou rien, sauf avec --valid-rows-only."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Chemin du fichier CSV ou TSV")
        parser.add_argument(
            "--dry-run", action="store_true", help="Montrer ce qui changerait sans rien écrire"
        )
        parser.add_argument(
            "--valid-rows-only",
            action="store_true",
            help="Importer les lignes valides et ignorer celles en erreur",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("Fichier introuvable : %(path)s") % {"path": path})
        if path.stat().st_size > importer.MAX_IMPORT_BYTES:
            raise CommandError(
                _("Le fichier est trop volumineux (%(size).1f Mo) : %(max)d Mo au maximum.")
                % {
                    "size": path.stat().st_size / 1024 / 1024,
                    "max": importer.MAX_IMPORT_BYTES // 1024 // 1024,
                }
            )
        try:
            decoded = importer.decode(path.read_bytes())
        except importer.ImportFileError as error:
            raise CommandError(str(error)) from error
        report = services.directory_import(
            text=decoded.text,
            dry_run=options["dry_run"],
            valid_rows_only=options["valid_rows_only"],
            encoding=decoded.encoding,
        )
        self.stdout.write(report.as_text())
        if options["dry_run"]:
            self.stdout.write(self.style.WARNING(_("Simulation : rien n'a été écrit.")))
        elif report.applied:
            self.stdout.write(self.style.SUCCESS(_("Import terminé.")))
        else:
            raise CommandError(
                _(
                    "Rien n'a été importé : le fichier contient des erreurs "
                    "(relancez avec --valid-rows-only pour importer les lignes valides)."
                )
            )

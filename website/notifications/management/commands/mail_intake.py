"""`manage.py mail_intake --file message.eml`: store and process one message (operators, tests).

`--pending` processes every message still waiting (a worker was down when they came in).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from website.notifications import intake
from website.notifications.models import InboundMail, InboundStatus


class Command(BaseCommand):
    help = "Enregistre puis traite un courriel reçu (fichier .eml), ou ceux restés en attente."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="le message brut (.eml)")
        parser.add_argument("--to", default="", help="destinataire de l'enveloppe (facultatif)")
        parser.add_argument("--pending", action="store_true", help="traiter ceux en attente")

    def handle(self, *args, file=None, to="", pending=False, **options):
        if not file and not pending:
            raise CommandError("Indiquez --file message.eml ou --pending.")
        if file:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"Fichier introuvable : {file}")
            mail, created = intake.mail_receive(raw=path.read_bytes(), envelope_to=to)
            status = intake.mail_process(mail_id=mail.pk)
            mail.refresh_from_db()
            if not created:
                self.stdout.write(f"Déjà reçu ({mail.message_id}) : {mail.status}")
            else:
                self.stdout.write(f"{status} {mail.reason} {mail.posted_url}".strip())
        if pending:
            ids = InboundMail.objects.filter(status=InboundStatus.RECEIVED).values_list(
                "pk", flat=True
            )
            for mail_id in list(ids):
                self.stdout.write(f"{mail_id} : {intake.mail_process(mail_id=mail_id)}")

"""The yearly « vérifiez votre fiche » campaign: `manage.py directory_check_campaign`.

Run it from cron (daily is fine): each entry with an active account, neither confirmed nor
edited for `DIRECTORY_CHECK_EVERY_DAYS`, and not already asked within that time, gets one
e-mail with a signed one-click confirmation link (docs/directory.md)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from directory import selectors, services


class Command(BaseCommand):
    help = "Envoie l'e-mail annuel « vérifiez votre fiche » aux fiches qui n'ont pas été vérifiées."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Compter les fiches sans rien envoyer."
        )
        parser.add_argument("--limit", type=int, default=0, help="Au plus ce nombre d'e-mails.")

    def handle(self, *args, dry_run=False, limit=0, **options):
        due = selectors.entries_to_check()
        if limit:
            due = due[:limit]
        count = 0
        for person in due:
            if not dry_run:
                services.entry_check_request(person=person)
            count += 1
        message = (
            _("%(count)d fiche(s) à vérifier (simulation : rien n'est envoyé).")
            if dry_run
            else _("%(count)d e-mail(s) « vérifiez votre fiche » envoyé(s).")
        )
        self.stdout.write(message % {"count": count})

"""`manage.py mail_poll [--once]`: read the replies waiting in the IMAP mailbox
(`INBOUND_IMAP_URL`), as a service with IMAP IDLE, or one pass from cron with `--once`."""

import imaplib
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from website.notifications import imap


class Command(BaseCommand):
    help = (
        "Relève la boîte IMAP des réponses (INBOUND_IMAP_URL) : en continu avec IMAP IDLE, "
        "ou une seule fois avec --once (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="une seule relève, puis quitter")

    def handle(self, *args, once=False, **options):
        try:
            account = imap.configured_account()
        except imap.ImapConfigurationError as error:
            raise CommandError(str(error)) from error
        stop = threading.Event()
        if not once:
            signal.signal(signal.SIGTERM, lambda *_args: stop.set())
            self.stdout.write(f"Relève IMAP de {account.user}@{account.host} ({account.mailbox})")
        try:
            result = imap.run(account, stop=stop, once=once)
        except (OSError, imaplib.IMAP4.error) as error:
            raise CommandError(f"Relève IMAP impossible : {error}") from error
        except KeyboardInterrupt:
            return
        self.stdout.write(
            f"{result.stored} nouveau(x), {result.already} déjà reçu(s), "
            f"{result.kept} laissé(s) dans la boîte"
        )

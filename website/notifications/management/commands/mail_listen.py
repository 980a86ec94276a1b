"""`manage.py mail_listen --bind 127.0.0.1:8025 [--lmtp]`: receive replies from a local Postfix."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from website.notifications import replies
from website.notifications.listener import make_controller


class Command(BaseCommand):
    help = "Reçoit par SMTP (ou LMTP) les réponses aux notifications, pour un Postfix local."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8025", help="adresse:port d'écoute")
        parser.add_argument("--lmtp", action="store_true", help="parler LMTP plutôt que SMTP")

    def handle(self, *args, bind, lmtp, **options):
        if not replies.enabled():
            raise CommandError("REPLY_DOMAIN n'est pas défini : la réponse par e-mail est coupée.")
        host, _sep, port = bind.rpartition(":")
        if not host or not port.isdigit():
            raise CommandError("--bind attend adresse:port, par exemple 127.0.0.1:8025.")
        controller = make_controller(host=host, port=int(port), lmtp=lmtp)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_args: stop.set())
        controller.start()
        self.stdout.write(f"Écoute {'LMTP' if lmtp else 'SMTP'} sur {host}:{port}")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()

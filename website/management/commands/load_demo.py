"""`manage.py load_demo`: fictional people, real public bodies, enough content to look alive.

Idempotent: running it again updates the same objects instead of duplicating them.

Demo data has no place in production: with `DEBUG` off the command refuses unless
`--allow-production` is given, and then no demo account gets the published password (one
superuser among them): every demo account gets one random password, printed once.
"""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from directory import demo as directory_demo
from qa import demo as qa_demo
from qa.agenda import demo as agenda_demo
from taxonomy import demo as taxonomy_demo
from website.pages import demo as pages_demo
from website.search import services as search_services
from website.search.signals import live_updates_paused


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help=_(
                "Charger même quand DEBUG est désactivé ; les comptes de démonstration "
                "reçoivent alors un mot de passe aléatoire, affiché une seule fois."
            ),
        )

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                _(
                    "DEBUG est désactivé : load_demo crée des comptes fictifs, dont un "
                    "superutilisateur, et refuse de le faire en production. Ajoutez "
                    "--allow-production pour le faire quand même (mot de passe aléatoire)."
                )
            )
        password = None if settings.DEBUG else secrets.token_urlsafe(24)
        # The search index is built once from the loaded data, not object by object (on a
        # fresh install each update would find no index and log "Search index missing").
        with live_updates_paused(), transaction.atomic():
            topics = taxonomy_demo.load()
            users = directory_demo.load(topics, password=password)
            qa_demo.load(topics, users)
            agenda_demo.load(topics, users)
            pages_demo.load()
        count = search_services.rebuild()
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        self.stdout.write(f"Index de recherche construit : {count} documents.")
        if password is None:
            self.stdout.write(
                "Comptes de démonstration (mot de passe pour tous : "
                f"{directory_demo.DEMO_PASSWORD}) :"
            )
        else:
            self.stdout.write(
                _(
                    "Comptes de démonstration : mot de passe aléatoire pour tous, affiché une "
                    "seule fois : %(password)s"
                )
                % {"password": password}
            )
        for local, first, last, roles, *_rest in directory_demo.PEOPLE:
            role = ", ".join(roles) or ("superutilisateur" if local == "admin" else "membre")
            self.stdout.write(f"  {local}@{directory_demo.DEMO_DOMAIN:<32} {first} {last} — {role}")
        self.stdout.write(
            f"  {directory_demo.PENDING[0]}@{directory_demo.DEMO_DOMAIN:<32} "
            "compte en attente de validation"
        )

"""`manage.py load_demo`: fictional people, real public bodies, enough content to look alive.

Idempotent: running it again updates the same objects instead of duplicating them.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from directory import demo as directory_demo
from qa import demo as qa_demo
from qa.agenda import demo as agenda_demo
from website.pages import demo as pages_demo
from website.taxonomy import demo as taxonomy_demo


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        topics = taxonomy_demo.load()
        users = directory_demo.load(topics)
        qa_demo.load(topics, users)
        agenda_demo.load(topics, users)
        pages_demo.load()
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        self.stdout.write(
            f"Comptes de démonstration (mot de passe pour tous : {directory_demo.DEMO_PASSWORD}) :"
        )
        for local, first, last, roles, *_ in directory_demo.PEOPLE:
            role = ", ".join(roles) or ("superutilisateur" if local == "admin" else "membre")
            self.stdout.write(f"  {local}@{directory_demo.DEMO_DOMAIN:<32} {first} {last} — {role}")
        self.stdout.write(
            f"  {directory_demo.PENDING[0]}@{directory_demo.DEMO_DOMAIN:<32} "
            "compte en attente de validation"
        )

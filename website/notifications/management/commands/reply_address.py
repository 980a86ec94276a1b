"""`manage.py reply_address EMAIL QUESTION_ID`: a member's reply address for a thread."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from qa.models import Question
from website.notifications import replies


class Command(BaseCommand):
    help = "Affiche l'adresse de réponse d'un membre pour une discussion (support, tests)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("question_id", type=int)

    def handle(self, *args, email, question_id, **options):
        if not replies.enabled():
            raise CommandError("REPLY_DOMAIN n'est pas défini : la réponse par e-mail est coupée.")
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"Aucun compte pour {email}.")
        if not Question.objects.filter(pk=question_id).exists():
            raise CommandError(f"Aucune discussion n° {question_id}.")
        target = replies.ReplyTarget(user_id=user.pk, question_id=question_id)
        self.stdout.write(replies.reply_address(user=user, target=target))

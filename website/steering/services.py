"""Routing an unanswered question again: the next circle of the directory's experts."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from directory.models import Person
from directory.selectors import experts_for
from qa.models import Question
from website.notifications.kinds import Kind
from website.notifications.models import Notification
from website.notifications.tasks import enqueue_fan_out
from website.steering.models import Escalation
from website.steering.selectors import escalation_size


def already_asked_user_ids(question: Question) -> set[int]:
    """Accounts the question already reached as an expert (the first routing and every
    escalation: both are « question de votre domaine » notifications), and the person it was
    addressed to."""
    asked = set(
        Notification.objects.filter(
            kind=Kind.QUESTION_ROUTED,
            target_type=ContentType.objects.get_for_model(Question),
            target_id=question.pk,
        ).values_list("recipient_id", flat=True)
    )
    asked.update(
        Person.objects.filter(
            pk__in=Escalation.experts.through.objects.filter(escalation__question=question).values(
                "person_id"
            ),
            user__isnull=False,
        ).values_list("user_id", flat=True)
    )
    if question.addressed_to_person_id and question.addressed_to_person.user_id:
        asked.add(question.addressed_to_person.user_id)
    return asked


def next_circle(question: Question) -> list[Person]:
    """The next experts to ask: the directory's routing order (the asker's CC first, then the
    rest of the Pays, more matching topics first), skipping everyone already asked."""
    asked = already_asked_user_ids(question)
    size = escalation_size()
    candidates = experts_for(
        topics=list(question.topics.all()),
        structure=question.author_structure,
        limit=len(asked) + size + 1,
    )
    fresh = [person for person in candidates if person.user_id not in asked]
    fresh = [person for person in fresh if person.user_id != question.author_id]
    return fresh[:size]


@transaction.atomic
def question_escalate(*, question: Question, by) -> Escalation:
    """Ask the next circle of experts; the asker is told who. Refused (ValidationError with a
    French message) when the question is closed, locked, deleted, answered, or nobody is left."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    if (
        question.deleted_at is not None
        or question.closed_at is not None
        or question.locked_at is not None
    ):
        raise ValidationError(_("Cette question est fermée : elle ne peut plus être relancée."))
    if question.answer_count or question.accepted_answer_id:
        raise ValidationError(_("Cette question a déjà reçu une réponse."))
    experts = next_circle(question)
    if not experts:
        raise ValidationError(
            _("Tous les experts des sujets de cette question ont déjà été sollicités.")
        )
    last = question.escalations.aggregate(n=Max("round"))["n"] or 0
    escalation = Escalation.objects.create(question=question, round=last + 1, by=by)
    escalation.experts.set(experts)
    transaction.on_commit(
        lambda: enqueue_fan_out("question_escalated", {"escalation_id": escalation.pk})
    )
    return escalation

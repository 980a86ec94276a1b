"""Who hears about an escalation: the experts asked (a « question de votre domaine »
notification, as for the first routing) and the asker, told their names."""

from django.utils.translation import gettext

from website.notifications.events import handler
from website.notifications.kinds import Kind
from website.notifications.services import Audience, notify
from website.steering.models import Escalation


def expert_label(person) -> str:
    position = person.current_positions[0] if getattr(person, "current_positions", None) else None
    name = f"{person.first_name} {person.last_name}".strip()
    if position is None:
        return name
    return f"{name} ({position.function}, {position.structure.name})"


@handler("question_escalated")
def question_escalated(payload: dict) -> list:
    from directory.selectors import current_positions_prefetch

    escalation = (
        Escalation.objects.select_related("question", "by")
        .filter(pk=payload["escalation_id"], question__deleted_at__isnull=True)
        .first()
    )
    if escalation is None:
        return []
    question = escalation.question
    experts = list(
        escalation.experts.prefetch_related(current_positions_prefetch()).order_by(
            "last_name", "first_name"
        )
    )
    names = ", ".join(expert_label(person) for person in experts)
    routed = notify(
        event_key=f"question:{question.pk}:relance:{escalation.round}",
        audiences=[Audience(Kind.QUESTION_ROUTED, [p.user_id for p in experts if p.user_id])],
        actor=escalation.by,
        title=question.title,
        url=question.get_absolute_url(),
        target=question,
    )
    told = notify(
        event_key=f"question:{question.pk}:relance:{escalation.round}:auteur",
        audiences=[Audience(Kind.QUESTION_ESCALATED, [question.author_id])],
        actor=escalation.by,
        title=question.title,
        excerpt=gettext("Experts sollicités : %(names)s") % {"names": names},
        url=question.get_absolute_url(),
        target=question,
    )
    return routed + told

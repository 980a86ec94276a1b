"""The member's dashboard on the home page: their topics, what is addressed to them, the
re-checks of their expertise, the agenda and the latest regulatory updates.

The home page model calls it with its own querysets (it does not import the page models, which
import it).
"""

from directory.models import Person, Position, TopicInterest
from directory.roles import is_member
from qa import selectors as qa_selectors
from qa.agenda.selectors import next_meeting, scheduled_for, top_proposals
from qa.models import Question

DASHBOARD_LIMIT = 5


def home_dashboard_for(user, *, updates, pending_rechecks) -> dict:
    """What the home page shows: for a member their dashboard, for a visitor public news.

    The home page hands over its own content: `updates`, the published public regulatory
    updates, and `pending_rechecks`, the re-checks still open.
    """
    latest = updates.order_by("-publication_date", "-pk").prefetch_related("topics")
    if not is_member(user):
        return {"updates": list(latest[:3])}
    # The member's directory entry first: the reads below then filter on plain columns.
    person_id = Person.objects.filter(user=user).values_list("pk", flat=True).first()
    interest_ids, structure_ids = [], []
    if person_id is not None:
        interest_ids = list(
            TopicInterest.objects.held()
            .filter(person_id=person_id)
            .values_list("topic_id", flat=True)
        )
        positions = Position.objects.current().filter(person_id=person_id)
        structure_ids = list(positions.values_list("structure_id", flat=True))
    threads = Question.objects.alive().select_related("author_structure")

    unanswered = []
    if interest_ids:
        unanswered = list(
            threads.open()
            .unanswered()
            .filter(
                pk__in=Question.objects.filter(topics__in=interest_ids).values("pk"),
            )
            .order_by("-created_at")[:DASHBOARD_LIMIT]
        )
    addressed = qa_selectors.addressed_to(
        person_id=person_id, structure_ids=structure_ids, limit=DASHBOARD_LIMIT
    )
    rechecks = []
    if interest_ids:  # a recognised expertise is one of the person's topics
        expertise = TopicInterest.objects.recognised().filter(person_id=person_id)
        rechecks = list(
            pending_rechecks.filter(
                question__deleted_at__isnull=True,
                question__in=Question.objects.filter(
                    topics__in=expertise.values("topic_id")
                ).values("pk"),
            ).select_related("question", "update")[:DASHBOARD_LIMIT]
        )
    meeting, proposals = next_meeting(), top_proposals(3)
    my_agenda = scheduled_for(user, limit=DASHBOARD_LIMIT)
    recent = list(threads.order_by("-last_activity_at")[:DASHBOARD_LIMIT])
    # « Nouveau » on the threads with answers or comments since the member's last visit.
    qa_selectors.mark_unread_rows([*addressed, *recent], user)
    return {
        "unanswered": unanswered,
        "addressed": addressed,
        "rechecks": rechecks,
        "updates": list(latest[:DASHBOARD_LIMIT]),
        "meeting": meeting,
        "proposals": proposals,
        "my_agenda": my_agenda,
        "recent": recent,
        "has_topics": bool(interest_ids),
    }

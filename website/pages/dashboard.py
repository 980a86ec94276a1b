"""The home page's content: the member's own dashboard (their topics, what is addressed to
them, the re-checks of their expertise, their agenda) and the parts every member shares (the
latest regulatory updates, the next meeting and top proposals, the recent activity).

The shared parts are rendered into shared fragments by the home page model
(`HomePage.get_context`, directory/fragments.py); the member's own parts are read on every
request. The home page model calls these functions with its own querysets (this module does
not import the page models, which import it).
"""

import datetime

from django.db.models import F, Value
from django.utils import timezone

from directory import compiled
from directory.models import Person, Position, TopicInterest
from qa import selectors as qa_selectors
from qa.agenda.selectors import next_meeting, scheduled_for, top_proposals
from qa.models import Question

DASHBOARD_LIMIT = 5


def latest_updates(updates, limit: int) -> list:
    """The newest of the published public regulatory updates the home page hands over."""
    return list(updates.order_by("-publication_date", "-pk").prefetch_related("topics")[:limit])


def agenda() -> dict:
    """The next meeting and the most supported proposals (the same for every member)."""
    return {"meeting": next_meeting(), "proposals": top_proposals(3)}


def recent_threads() -> list[Question]:
    """The threads with the latest activity (the same for every member)."""
    return list(
        Question.objects.alive()
        .select_related("author_structure")
        .order_by("-last_activity_at")[:DASHBOARD_LIMIT]
    )


# The member's directory entry, held topics and current structures: one query, compiled once
# (directory/compiled.py), with sentinels for the account and the date.
_SENTINEL_USER = -730_194_620
_SENTINEL_DAY = datetime.date(1901, 1, 1)


def _facts_query(user_id, today):
    def rows(queryset, kind, column):
        return (
            queryset.order_by().annotate(fact=Value(kind), ref=F(column)).values_list("fact", "ref")
        )

    person = rows(Person.objects.filter(user_id=user_id), 0, "pk")
    held = TopicInterest.objects.held().filter(person__user_id=user_id)
    current = Position.objects.current(today).filter(person__user_id=user_id)
    return person.union(rows(held, 1, "topic_id"), rows(current, 2, "structure_id"), all=True)


def _member_facts(user) -> tuple[int | None, list[int], list[int]]:
    """The member's directory entry (or None), held topic ids and current structure ids."""
    facts = {0: [], 1: [], 2: []}
    for kind, ref in compiled.fetch(
        "pages.member_facts",
        _facts_query,
        (_SENTINEL_USER, _SENTINEL_DAY),
        (user.pk, timezone.localdate()),
        model=Person,
    ):
        facts[kind].append(ref)
    return (facts[0] or [None])[0], facts[1], facts[2]


def member_dashboard(user, *, pending_rechecks) -> dict:
    """What the home page shows this member alone. The home page hands over
    `pending_rechecks`, the re-checks still open."""
    person_id, interest_ids, structure_ids = _member_facts(user)
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
    return {
        "unanswered": unanswered,
        "addressed": addressed,
        "rechecks": rechecks,
        "my_agenda": scheduled_for(user, limit=DASHBOARD_LIMIT),
        "has_topics": bool(interest_ids),
    }

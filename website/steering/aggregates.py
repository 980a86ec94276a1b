"""The dashboard's heavy figures, computed for the refresh (`website/needs/refresh.py`, which
replaces the tables of `website/steering/models.py` with them, every 15 minutes).

At 100,000 questions these queries cost about 0.7 s of CPU together (benchmarks/README.md,
« Shared needs »): the open questions by topic and by territory, the response delays per
month and the activity per commune. The dashboard reads their results (`selectors`), a few
hundred rows. Each is computed as the live dashboard computed it before, with the grouped
queries of issue 19; `tests/website/steering/test_selectors_reference.py` compares the stored
figures with the former live queries (`live_reference.py`).
"""

from datetime import datetime

from django.db.models import Case, Count, IntegerField, Max, OuterRef, Q, Subquery, When
from django.utils import timezone

from directory.models import Position, Structure, StructureKind
from qa.models import Answer, Question, QuestionKind
from website.needs.refresh import month_bounds
from website.steering.models import CommuneActivityRow, DelayMonth, OpenTerritory, OpenTopic
from website.steering.selectors import MONTHS, _hours, open_questions, percentile


def _open_topics() -> list[OpenTopic]:
    """Open questions per topic: the open questions' topic links grouped by topic."""
    rows = (
        Question.topics.through.objects.filter(
            question__deleted_at__isnull=True,
            question__kind=QuestionKind.QUESTION,
            question__closed_at__isnull=True,
            question__accepted_answer__isnull=True,
        )
        .order_by()
        .values("topic")
        .annotate(n=Count("pk"))
        .values_list("topic", "n")
    )
    return [OpenTopic(topic_id=topic, questions=n) for topic, n in rows]


def _territory_id(structure, kind, parent, parent_kind):
    """The territory a question counts in: the asker's CC (a commune counts in its CC), else
    their structure, else None (« Sans structure »)."""
    if structure is None or kind == StructureKind.CC:
        return structure
    return parent if parent_kind == StructureKind.CC else structure


def _open_territories() -> list[OpenTerritory]:
    """Open questions by the asker's structure when asking, folded into territories."""
    rows = (
        open_questions()
        .order_by()
        .values_list(
            "author_structure",
            "author_structure__kind",
            "author_structure__parent",
            "author_structure__parent__kind",
        )
        .annotate(n=Count("pk"))
    )
    totals: dict[int | None, int] = {}
    for structure, kind, parent, parent_kind, n in rows:
        territory = _territory_id(structure, kind, parent, parent_kind)
        totals[territory] = totals.get(territory, 0) + n
    return [OpenTerritory(territory_id=t, questions=n) for t, n in totals.items()]


def _month_of(bounds: list[datetime]):
    """A SQL expression: the index of the month `created_at` falls in, between `bounds`
    (explicit date ranges, no date function: the same on SQLite and PostgreSQL), NULL outside."""
    return Case(
        *(
            When(created_at__gte=bounds[index], created_at__lt=bounds[index + 1], then=index)
            for index in range(len(bounds) - 1)
        ),
        default=None,
        output_field=IntegerField(),
    )


def _delay_months(now: datetime) -> list[DelayMonth]:
    """Per month of asking: time to the first answer and to the accepted answer, in hours.

    One query: each question of the twelve months with its month's index and its two answer
    dates; the nearest-rank medians and 90th percentiles need the values themselves.
    """
    bounds = month_bounds(now, MONTHS)
    first_answer = (
        Answer.objects.alive()
        .filter(question_id=OuterRef("pk"))
        .order_by("created_at")
        .values("created_at")[:1]
    )
    rows = (
        Question.objects.alive()
        .questions()
        .filter(created_at__gte=bounds[0])
        .annotate(month=_month_of(bounds), first_answer_at=Subquery(first_answer))
        .filter(month__isnull=False)
        .order_by()
        .values_list("month", "created_at", "first_answer_at", "accepted_answer__created_at")
    )
    buckets = [([], [], [0]) for _ in bounds[:-1]]
    for month, created_at, first_at, accepted_at in rows.iterator(chunk_size=5000):
        firsts, accepted, asked = buckets[month]
        asked[0] += 1
        first = _hours(created_at, first_at)
        if first is not None:
            firsts.append(first)
        accept = _hours(created_at, accepted_at)
        if accept is not None:
            accepted.append(accept)
    return [
        DelayMonth(
            month=timezone.localtime(start).date(),
            asked=asked[0],
            answered=len(firsts),
            accepted=len(accepted),
            first_median=percentile(firsts, 0.5),
            first_p90=percentile(firsts, 0.9),
            accepted_median=percentile(accepted, 0.5),
            accepted_p90=percentile(accepted, 0.9),
        )
        for start, (firsts, accepted, asked) in zip(bounds[:-1], buckets, strict=True)
    ]


def _commune_activity(now: datetime) -> list[CommuneActivityRow]:
    """Every commune with its questions and answers of the last twelve months, its last
    question, and whether anyone from it ever posted. Four grouped queries, added up here by
    the commune's id: the communes, the questions by commune, the answers by author, and the
    (commune, person) pairs of current positions (each answer has one author, so summing its
    author's counts over the distinct pairs counts it once per commune).

    A question counts for the commune its asker worked in when asking (`author_structure`); an
    answer for the communes where its author holds a current position (once per commune, even
    with two positions there).
    """
    since = month_bounds(now, MONTHS)[0]
    communes = Structure.objects.filter(kind=StructureKind.COMMUNE).values_list("pk", flat=True)
    asked = {
        row["author_structure"]: row
        for row in Question.objects.alive()
        .filter(author_structure__kind=StructureKind.COMMUNE)
        .order_by()
        .values("author_structure")
        .annotate(recent=Count("pk", filter=Q(created_at__gte=since)), last=Max("created_at"))
    }
    posts = {
        row["author"]: row
        for row in Answer.objects.alive()
        .filter(author__isnull=False)
        .order_by()
        .values("author")
        .annotate(recent=Count("pk", filter=Q(created_at__gte=since)), ever=Count("pk"))
    }
    answered: dict[int, dict] = {}
    holders = (
        Position.objects.current()
        .filter(structure__kind=StructureKind.COMMUNE, person__user__isnull=False)
        .order_by()
        .values_list("structure", "person__user")
        .distinct()
    )
    for structure, user in holders:
        if user in posts:
            total = answered.setdefault(structure, {"recent": 0, "ever": 0})
            total["recent"] += posts[user]["recent"]
            total["ever"] += posts[user]["ever"]
    none = {"recent": 0, "last": None, "ever": 0}
    result = []
    for pk in communes.order_by():
        questions, answers = asked.get(pk, none), answered.get(pk, none)
        result.append(
            CommuneActivityRow(
                structure_id=pk,
                questions=questions["recent"],
                answers=answers["recent"],
                last_question_at=questions["last"],
                ever_posted=questions["last"] is not None or answers["ever"] > 0,
            )
        )
    return result


def tables(now: datetime) -> list[tuple[type, list]]:
    """The dashboard's tables and their new rows, for `website.needs.refresh.refresh`."""
    return [
        (OpenTopic, _open_topics()),
        (OpenTerritory, _open_territories()),
        (DelayMonth, _delay_months(now)),
        (CommuneActivityRow, _commune_activity(now)),
    ]

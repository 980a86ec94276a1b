"""The dashboard's open questions by topic and by territory, delays and commune activity as
computed live before issue 19 (« Speed »): `website/steering/selectors.py` of before, kept
verbatim as the oracle that `test_selectors_reference.py` compares the materialised figures
(`website/steering/aggregates.py`, read by the selectors) with. Not used by the site."""

from datetime import datetime

from django.db.models import Count, Exists, IntegerField, Max, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format

from directory.models import Position, Structure, StructureKind
from qa.models import Answer, Question, QuestionKind
from taxonomy.models import Topic
from website.needs.refresh import month_starts
from website.steering.selectors import (
    CommuneActivity,
    MonthDelays,
    _hours,
    percentile,
)


def delays_by_month(now: datetime | None = None) -> list[MonthDelays]:
    """Per month of asking: time to the first answer and to the accepted answer, in hours.

    The accepted answer's time is when that answer was posted (the site does not record the
    moment of acceptance). A question not yet answered counts in « posées » only.
    """
    now = now or timezone.now()
    starts = month_starts(now)
    rows = (
        Question.objects.alive()
        .questions()
        .filter(created_at__gte=starts[0])
        .annotate(
            first_answer_at=Min("answers__created_at", filter=Q(answers__deleted_at__isnull=True))
        )
        .order_by()
        .values_list("created_at", "first_answer_at", "accepted_answer__created_at")
    )
    buckets = {start: ([], [], [0]) for start in starts}
    for created_at, first_at, accepted_at in rows.iterator(chunk_size=5000):
        local = timezone.localtime(created_at)
        start = timezone.make_aware(datetime(local.year, local.month, 1))
        if start not in buckets:
            continue
        firsts, accepted, asked = buckets[start]
        asked[0] += 1
        first = _hours(created_at, first_at)
        if first is not None:
            firsts.append(first)
        accept = _hours(created_at, accepted_at)
        if accept is not None:
            accepted.append(accept)
    result = []
    for start in starts:
        firsts, accepted, asked = buckets[start]
        result.append(
            MonthDelays(
                label=date_format(start, "F Y"),
                key=start.strftime("%Y-%m"),
                asked=asked[0],
                answered=len(firsts),
                accepted=len(accepted),
                first_median=percentile(firsts, 0.5),
                first_p90=percentile(firsts, 0.9),
                accepted_median=percentile(accepted, 0.5),
                accepted_p90=percentile(accepted, 0.9),
            )
        )
    return result


def commune_activity(now: datetime | None = None) -> list[CommuneActivity]:
    """Every commune with its questions and answers of the last twelve months, its last
    question, and whether anyone from it ever posted. One query.

    A question counts for the commune its asker worked in when asking (`author_structure`); an
    answer for the communes where its author holds a current position.
    """
    now = now or timezone.now()
    since = month_starts(now)[0]
    asked = Question.objects.alive().filter(author_structure=OuterRef("pk"))
    answered = Answer.objects.alive().filter(
        Exists(
            Position.objects.current().filter(
                person__user=OuterRef("author"), structure=OuterRef(OuterRef("pk"))
            )
        )
    )

    def count(queryset):
        return Coalesce(
            Subquery(
                queryset.order_by().values(group=Value(1)).annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        )

    rows = (
        Structure.objects.filter(kind=StructureKind.COMMUNE)
        .annotate(
            questions=count(asked.filter(created_at__gte=since)),
            answers=count(answered.filter(created_at__gte=since)),
            last_question_at=Subquery(
                asked.order_by()
                .values("author_structure")
                .annotate(last=Max("created_at"))
                .values("last")
            ),
            ever_answered=Exists(answered),
        )
        .order_by("name")
        .values_list("name", "questions", "answers", "last_question_at", "ever_answered")
    )
    return [
        CommuneActivity(
            name=name,
            questions=questions,
            answers=answers,
            last_question_at=last,
            ever_posted=last is not None or ever_answered,
        )
        for name, questions, answers, last, ever_answered in rows
    ]


def open_by_topic() -> list[tuple[str, int]]:
    """(topic, open questions), most first; a question with two topics counts in both."""
    rows = (
        Topic.objects.annotate(
            open=Count(
                "questions",
                filter=Q(
                    questions__deleted_at__isnull=True,
                    questions__kind=QuestionKind.QUESTION,
                    questions__closed_at__isnull=True,
                    questions__accepted_answer__isnull=True,
                ),
            )
        )
        .filter(open__gt=0)
        .order_by("-open", "name")
        .values_list("name", "open")
    )
    return list(rows)


def _territory(name, kind, parent_name, parent_kind) -> str:
    if kind == StructureKind.CC or name is None:
        return name or ""
    if parent_kind == StructureKind.CC:
        return parent_name
    return name


def open_by_territory() -> list[tuple[str, int]]:
    """(CC, open questions) by the asker's structure when asking: a commune counts in its CC,
    a structure outside any CC under its own name; no structure: « Sans structure »."""
    from django.utils.translation import gettext

    rows = (
        Question.objects.alive()
        .questions()
        .open()
        .filter(accepted_answer__isnull=True)
        .order_by()
        .values(
            "author_structure__name",
            "author_structure__kind",
            "author_structure__parent__name",
            "author_structure__parent__kind",
        )
        .annotate(n=Count("pk"))
    )
    totals: dict[str, int] = {}
    for row in rows:
        label = _territory(
            row["author_structure__name"],
            row["author_structure__kind"],
            row["author_structure__parent__name"],
            row["author_structure__parent__kind"],
        ) or gettext("Sans structure")
        totals[label] = totals.get(label, 0) + row["n"]
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))

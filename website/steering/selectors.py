"""What the coordinator's dashboard shows, each block in one or two bounded queries.

Every figure is an aggregate computed by the database (GROUP BY, COUNT, subqueries), except
the delays: one query reads, for the questions asked in the last twelve months, the creation
date, the first answer's date and the accepted answer's date, and the medians and 90th
percentiles are computed here (nearest-rank), the same on SQLite and PostgreSQL.
docs/coordination.md (« Tableau de pilotage ») explains each figure.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, Exists, IntegerField, Max, OuterRef, Q, Subquery, When
from django.utils import timezone
from django.utils.formats import date_format

from directory.models import Position, Structure, StructureKind
from directory.selectors import pending_accounts
from qa.models import Answer, Flag, Question, QuestionKind
from taxonomy.models import Topic
from website.notifications.kinds import Kind
from website.notifications.models import Notification
from website.pages.models import QuestionRecheck

MONTHS = 12


def open_questions():
    """Questions (not discussions) neither closed, nor deleted, nor with an accepted answer."""
    return Question.objects.alive().questions().open().filter(accepted_answer__isnull=True)


def open_by_topic() -> list[tuple[str, int]]:
    """(topic, open questions), most first; a question with two topics counts in both.

    Two queries: the open questions' topic links grouped by topic (a join from the link
    table, which reads only the open questions' rows), then those topics' names in the
    database's name order; the stable sort by count keeps that order between equal counts.
    """
    counts = dict(
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
    names = Topic.objects.filter(pk__in=list(counts)).order_by("name").values_list("pk", "name")
    rows = [(name, counts[pk]) for pk, name in names]
    rows.sort(key=lambda row: -row[1])
    return rows


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
        open_questions()
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


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (share 0.5 → the median, 0.9 → the 90th), None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(share * len(ordered)), 1)
    return ordered[rank - 1]


@dataclass
class MonthDelays:
    label: str  # « janvier 2026 »
    key: str  # « 2026-01 »
    asked: int
    answered: int
    accepted: int
    first_median: float | None
    first_p90: float | None
    accepted_median: float | None
    accepted_p90: float | None


def month_starts(now: datetime, months: int = MONTHS) -> list[datetime]:
    """The first instant (local time) of each of the last `months` months, oldest first."""
    local = timezone.localtime(now)
    year, month = local.year, local.month
    starts = []
    for _ in range(months):
        starts.append(
            local.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
        )
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return [timezone.make_aware(start.replace(tzinfo=None)) for start in reversed(starts)]


def _hours(start, end) -> float | None:
    if end is None or end < start:
        return None
    return round((end - start).total_seconds() / 3600, 1)


def _month_of(starts: list[datetime]):
    """A SQL expression: the index in `starts` of the month `created_at` falls in (the last
    one ends at the next month's first instant), NULL outside. Date ranges, no date function,
    so the same on SQLite and PostgreSQL."""
    last = timezone.localtime(starts[-1])
    year, month = (last.year, last.month + 1) if last.month < 12 else (last.year + 1, 1)
    bounds = [*starts, timezone.make_aware(datetime(year, month, 1))]
    return Case(
        *(
            When(created_at__gte=bounds[index], created_at__lt=bounds[index + 1], then=index)
            for index in range(len(starts))
        ),
        default=None,
        output_field=IntegerField(),
    )


def delays_by_month(now: datetime | None = None) -> list[MonthDelays]:
    """Per month of asking: time to the first answer and to the accepted answer, in hours.

    The accepted answer's time is when that answer was posted (the site does not record the
    moment of acceptance). A question not yet answered counts in « posées » only. One query:
    each question of the twelve months with its month's index (computed by the database from
    date ranges) and its two answer dates; the percentiles need the values themselves.
    """
    now = now or timezone.now()
    starts = month_starts(now)
    first_answer = (
        Answer.objects.alive()
        .filter(question_id=OuterRef("pk"))
        .order_by("created_at")
        .values("created_at")[:1]
    )
    rows = (
        Question.objects.alive()
        .questions()
        .filter(created_at__gte=starts[0])
        .annotate(month=_month_of(starts), first_answer_at=Subquery(first_answer))
        .filter(month__isnull=False)
        .order_by()
        .values_list("month", "created_at", "first_answer_at", "accepted_answer__created_at")
    )
    buckets = [([], [], [0]) for _ in starts]
    for month, created_at, first_at, accepted_at in rows.iterator(chunk_size=5000):
        firsts, accepted, asked = buckets[month]
        asked[0] += 1
        first = _hours(created_at, first_at)
        if first is not None:
            firsts.append(first)
        accept = _hours(created_at, accepted_at)
        if accept is not None:
            accepted.append(accept)
    result = []
    for start, (firsts, accepted, asked) in zip(starts, buckets, strict=True):
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


@dataclass
class ExpertRate:
    name: str
    routed: int
    answered: int

    @property
    def rate(self) -> int:
        return round(100 * self.answered / self.routed) if self.routed else 0


def expert_response_rates() -> list[ExpertRate]:
    """Per expert: questions routed to them (a « question de votre domaine » notification,
    first routing or escalation) and how many of those they answered. One query."""
    question_type = ContentType.objects.get_for_model(Question)
    answered = Answer.objects.alive().filter(
        question_id=OuterRef("target_id"), author_id=OuterRef("recipient_id")
    )
    rows = (
        Notification.objects.filter(kind=Kind.QUESTION_ROUTED, target_type=question_type)
        .annotate(did_answer=Exists(answered))
        .order_by()
        .values("recipient_id", "recipient__first_name", "recipient__last_name")
        .annotate(
            routed=Count("target_id", distinct=True),
            answered=Count("target_id", distinct=True, filter=Q(did_answer=True)),
        )
        .order_by("-routed", "recipient__last_name", "recipient_id")
    )
    return [
        ExpertRate(
            name=f"{row['recipient__first_name']} {row['recipient__last_name']}".strip(),
            routed=row["routed"],
            answered=row["answered"],
        )
        for row in rows
    ]


@dataclass
class Backlog:
    pending_accounts: int
    open_flags: int
    rechecks: int


def backlog() -> Backlog:
    """Pending accounts, open flags and threads « à revérifier » (with a re-check not yet
    cleared): three counts."""
    return Backlog(
        pending_accounts=pending_accounts().order_by().count(),
        open_flags=Flag.objects.open().count(),
        rechecks=QuestionRecheck.objects.filter(cleared_at__isnull=True)
        .order_by()
        .values("question")
        .distinct()
        .count(),
    )


@dataclass
class CommuneActivity:
    name: str
    questions: int
    answers: int
    last_question_at: datetime | None
    ever_posted: bool

    @property
    def posts(self) -> int:
        return self.questions + self.answers


def commune_activity(now: datetime | None = None) -> list[CommuneActivity]:
    """Every commune with its questions and answers of the last twelve months, its last
    question, and whether anyone from it ever posted. Four grouped queries, added up here by
    the commune's id: the communes, the questions by commune, the answers by author, and the
    (commune, person) pairs of current positions (each answer has one author, so summing its
    author's counts over the distinct pairs counts it once per commune).

    A question counts for the commune its asker worked in when asking (`author_structure`); an
    answer for the communes where its author holds a current position (once per commune, even
    with two positions there).
    """
    now = now or timezone.now()
    since = month_starts(now)[0]
    communes = (
        Structure.objects.filter(kind=StructureKind.COMMUNE)
        .order_by("name")
        .values_list("pk", "name")
    )
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
    for pk, name in communes:
        questions, answers = asked.get(pk, none), answered.get(pk, none)
        result.append(
            CommuneActivity(
                name=name,
                questions=questions["recent"],
                answers=answers["recent"],
                last_question_at=questions["last"],
                ever_posted=questions["last"] is not None or answers["ever"] > 0,
            )
        )
    return result


UNANSWERED_DAYS = 7


def unanswered_questions(now: datetime | None = None):
    """Open questions without any answer, asked at least seven days ago, oldest first, with
    their topics and how many times they were already routed again."""
    now = now or timezone.now()
    return (
        open_questions()
        .unanswered()
        .filter(created_at__lte=now - timedelta(days=UNANSWERED_DAYS))
        .select_related("author", "author_structure")
        .prefetch_related("topics")
        .annotate(escalation_count=Count("escalations"))
        .order_by("created_at", "pk")
    )


def escalation_size() -> int:
    """How many more experts one escalation asks: as many as the first routing."""
    return max(settings.NOTIFICATIONS_MAX_EXPERTS_PER_QUESTION, 1)

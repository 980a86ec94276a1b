"""What the coordinator's dashboard shows, each block in one or two bounded queries.

The heavy figures (open questions by topic and by territory, the delays per month, the
activity per commune) are read from the tables that the shared needs' refresh fills every 15
minutes (`aggregates.py` computes them; `website/needs/refresh.py`); the others are counted
live by the database (GROUP BY, COUNT, subqueries). docs/coordination.md (« Tableau de
pilotage ») explains each figure.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format

from directory.selectors import pending_accounts
from qa.models import Answer, Flag, Question
from website.notifications.kinds import Kind
from website.notifications.models import Notification
from website.pages.models import QuestionRecheck
from website.steering.models import CommuneActivityRow, DelayMonth, OpenTerritory, OpenTopic

MONTHS = 12


def open_questions():
    """Questions (not discussions) neither closed, nor deleted, nor with an accepted answer."""
    return Question.objects.alive().questions().open().filter(accepted_answer__isnull=True)


def open_by_topic() -> list[tuple[str, int]]:
    """(topic, open questions), most first, then by name; a question with two topics counts
    in both. Read from the last refresh (`aggregates.py`)."""
    return list(
        OpenTopic.objects.order_by("-questions", "topic__name").values_list(
            "topic__name", "questions"
        )
    )


def open_by_territory() -> list[tuple[str, int]]:
    """(CC, open questions) by the asker's structure when asking: a commune counts in its CC,
    a structure outside any CC under its own name; no structure: « Sans structure ». Read from
    the last refresh (`aggregates.py`)."""
    from django.utils.translation import gettext

    rows = [
        (name or gettext("Sans structure"), n)
        for name, n in OpenTerritory.objects.values_list("territory__name", "questions")
    ]
    return sorted(rows, key=lambda item: (-item[1], item[0]))


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


def _hours(start, end) -> float | None:
    if end is None or end < start:
        return None
    return round((end - start).total_seconds() / 3600, 1)


def delays_by_month() -> list[MonthDelays]:
    """Per month of asking, the last twelve: time to the first answer and to the accepted
    answer, in hours (nearest-rank median and 90th percentile). The accepted answer's time is
    when that answer was posted (the site does not record the moment of acceptance). A
    question not yet answered counts in « posées » only. Read from the last refresh
    (`aggregates.py`)."""
    result = []
    for row in DelayMonth.objects.order_by("month"):
        result.append(
            MonthDelays(
                label=date_format(row.month, "F Y"),
                key=row.month.strftime("%Y-%m"),
                asked=row.asked,
                answered=row.answered,
                accepted=row.accepted,
                first_median=row.first_median,
                first_p90=row.first_p90,
                accepted_median=row.accepted_median,
                accepted_p90=row.accepted_p90,
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


def commune_activity() -> list[CommuneActivity]:
    """Every commune, by name, with its questions and answers of the last twelve months, its
    last question, and whether anyone from it ever posted. Read from the last refresh
    (`aggregates.py`)."""
    rows = CommuneActivityRow.objects.order_by("structure__name").values_list(
        "structure__name", "questions", "answers", "last_question_at", "ever_posted"
    )
    return [
        CommuneActivity(
            name=name,
            questions=questions,
            answers=answers,
            last_question_at=last,
            ever_posted=ever,
        )
        for name, questions, answers, last, ever in rows
    ]


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

"""Fill the shared needs' aggregates (`website/needs/models.py`) with SQL GROUP BY queries.

Run by the `refresh_shared_needs` task and management command (cron every 15 minutes,
docs/operations.md) and by the page itself when the figures are older than
`selectors.STALE_AFTER` (it asks the task; docs/coordination.md, « Fraîcheur »). A fixed
number of queries whatever the data size; no row is read into Python except the aggregates.
The same refresh fills the tables other apps register with `also_refresh` (the coordinators'
dashboard: `website/steering/aggregates.py`).

The counts are those `selectors` computed live before: the same filters (alive threads, the
markers' and supporters' current positions, withdrawn proposals left out), grouped so that
every filter of the page (a CC, a topic, a period) reads a few rows:

- `TopicStructure`: per topic × structure, the latest time it was expressed — a period
  keeps the pair when that time is inside it;
- `TopicSupporter`: per topic × supporter, their latest support;
- `TopicDay`: threads per topic and day (UTC; the period starts at a UTC midnight);
- `TrendMonth`: per month (local time) × CC × topic, with « everywhere » and « all topics »
  rows, the distinct threads, marks and supports (a person with two positions in one CC
  counts once), by conditional aggregation over explicit month bounds — the same SQL on
  SQLite and PostgreSQL, no per-row date function.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict

from django.db import models, transaction
from django.db.models import Case, Count, F, Max, Q, Value, When
from django.utils import timezone

from directory.models import Position, StructureKind
from qa.agenda.models import ProposalStatus, Support
from qa.models import Question, SameProblem
from qa.selectors import listed_questions
from website.needs.models import (
    NeedsRefresh,
    TopicDay,
    TopicStructure,
    TopicSupporter,
    TrendMonth,
)

# The trend shows twelve months; one more kept so that a refresh made at the end of a month
# still covers the twelve months shown just after midnight of the first.
TREND_MONTHS = 12
KEPT_MONTHS = TREND_MONTHS + 1


class UTCDate(models.Func):
    """The UTC calendar day of a datetime, computed by the database."""

    output_field = models.DateField()

    def as_sqlite(self, compiler, connection, **extra):
        # SQLite stores aware datetimes as UTC text, « 2026-12-04 16:08:49.277459 ».
        return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 10)")

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s AT TIME ZONE 'UTC')::date"
        )


def month_starts(now: datetime.datetime, months: int = TREND_MONTHS) -> list[datetime.datetime]:
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


def month_bounds(now: datetime.datetime, count: int) -> list[datetime.datetime]:
    """The first instant (local time) of each of the last `count` months, oldest first, then
    that of the next month (count + 1 bounds)."""
    starts = month_starts(now, count)
    local = timezone.localtime(starts[-1])
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return [*starts, timezone.make_aware(datetime.datetime(year, month, 1))]


def _asked():
    return listed_questions()


def listed_marks():
    """« Même problème » marks on listed threads (`listed_questions()`: not deleted)."""
    # Marks on listed threads (`listed_questions()`: not deleted), written as a join: with
    # `question__in=listed_questions()` SQLite probed the 100,000 ids once per marker (143 s).
    return SameProblem.objects.filter(question__deleted_at__isnull=True)


def _supports():
    return Support.objects.exclude(proposal__status=ProposalStatus.WITHDRAWN)


def _with_current_position(qs):
    return qs.filter(user__person__positions__in=Position.objects.current())


def _cc_of(path: str):
    """The CC whose area holds the structure at `path` (itself when a CC, else its parent
    when that is a CC), as directory.selectors.area_ids draws the area; null outside."""
    return Case(
        When(**{f"{path}__kind": StructureKind.CC}, then=F(f"{path}_id")),
        When(**{f"{path}__parent__kind": StructureKind.CC}, then=F(f"{path}__parent_id")),
        default=Value(None),
        output_field=models.IntegerField(),
    )


# --- Per topic × structure, per topic × supporter, per topic × day -----------------------------


def _topic_structures() -> list[TopicStructure]:
    latest: dict[tuple[int, int], datetime.datetime] = {}
    position = "user__person__positions__structure_id"
    sources = [
        _asked()
        .filter(author_structure__isnull=False)
        .values_list("topics", "author_structure_id"),
        _with_current_position(listed_marks()).values_list("question__topics", position),
        _with_current_position(_supports()).values_list("proposal__topics", position),
    ]
    for qs in sources:
        for topic_id, structure_id, last in qs.annotate(last=Max("created_at")).order_by():
            if topic_id is None or structure_id is None:
                continue
            key = (topic_id, structure_id)
            if key not in latest or last > latest[key]:
                latest[key] = last
    return [
        TopicStructure(topic_id=topic_id, structure_id=structure_id, last_at=last)
        for (topic_id, structure_id), last in latest.items()
    ]


def _topic_supporters() -> list[TopicSupporter]:
    rows = (
        _supports()
        .filter(proposal__topics__isnull=False)
        .values_list("proposal__topics", "user_id")
        .annotate(last=Max("created_at"))
        .order_by()
    )
    return [TopicSupporter(topic_id=t, user_id=u, last_at=last) for t, u, last in rows]


def _topic_days() -> list[TopicDay]:
    rows = (
        Question.topics.through.objects.filter(question__deleted_at__isnull=True)
        .annotate(day=UTCDate("question__created_at"))
        .values_list("topic_id", "day")
        .annotate(n=Count("question_id"))
        .order_by()
    )
    return [
        TopicDay(
            topic_id=topic_id,
            day=day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day),
            threads=n,
        )
        for topic_id, day, n in rows
    ]


# --- Trend ---------------------------------------------------------------------------------


def _per_month(qs, bounds, *group):
    """{group values: [distinct rows in each month]}: one query, one conditional COUNT per
    month (explicit bounds, so no date function runs per row)."""
    counts = {
        f"m{i}": Count(
            "pk", distinct=True, filter=Q(created_at__gte=start, created_at__lt=bounds[i + 1])
        )
        for i, start in enumerate(bounds[:-1])
    }
    qs = qs.filter(created_at__gte=bounds[0], created_at__lt=bounds[-1])
    if group:
        rows = qs.values(*group).annotate(**counts).order_by()
    else:
        rows = [qs.aggregate(**counts)]
    return {
        tuple(row[g] for g in group): [row[f"m{i}"] for i in range(len(bounds) - 1)] for row in rows
    }


def _trend_months(now) -> list[TrendMonth]:
    bounds = month_bounds(now, KEPT_MONTHS)
    position = "user__person__positions__structure"
    marks = listed_marks()
    supports = _supports()
    # Everywhere: every thread, mark and support; in a CC: the askers' structure when asking,
    # the markers' and supporters' current positions.
    sources = [
        (_asked(), "topics", _asked().annotate(cc=_cc_of("author_structure"))),
        (marks, "question__topics", _with_current_position(marks).annotate(cc=_cc_of(position))),
        (
            supports,
            "proposal__topics",
            _with_current_position(supports).annotate(cc=_cc_of(position)),
        ),
    ]
    totals: dict[tuple[int | None, int | None], list[int]] = defaultdict(
        lambda: [0] * (len(bounds) - 1)
    )

    def add(cc, topic, values):
        row = totals[(cc, topic)]
        for i, value in enumerate(values):
            row[i] += value

    for everywhere, topic_path, in_cc in sources:
        for (), values in _per_month(everywhere, bounds).items():
            add(None, None, values)
        for (topic,), values in _per_month(everywhere, bounds, topic_path).items():
            if topic is not None:
                add(None, topic, values)
        for (cc,), values in _per_month(in_cc, bounds, "cc").items():
            if cc is not None:
                add(cc, None, values)
        for (cc, topic), values in _per_month(in_cc, bounds, "cc", topic_path).items():
            if cc is not None and topic is not None:
                add(cc, topic, values)
    months = [timezone.localtime(start).date() for start in bounds[:-1]]
    return [
        TrendMonth(month=month, cc_id=cc, topic_id=topic, expressions=value)
        for (cc, topic), values in totals.items()
        for month, value in zip(months, values, strict=True)
        if value
    ]


# Other derived tables refreshed with these, by the same task, command and transaction: a
# function of `now` giving [(model, rows)] to replace. The coordinators' dashboard registers
# its own (`website/steering/aggregates.py`, in its AppConfig.ready()).
_ALSO_REFRESHED = []


def also_refresh(tables) -> None:
    """Refresh the tables that `tables(now)` computes together with the needs' ones."""
    if tables not in _ALSO_REFRESHED:
        _ALSO_REFRESHED.append(tables)


def refresh(now=None) -> NeedsRefresh:
    """Recompute every aggregate (the needs' and the registered ones) and replace the tables
    in one transaction (readers see the old figures until it commits)."""
    now = now or timezone.now()
    started = time.perf_counter()
    tables = [
        (TopicStructure, _topic_structures()),
        (TopicSupporter, _topic_supporters()),
        (TopicDay, _topic_days()),
        (TrendMonth, _trend_months(now)),
    ]
    for also in _ALSO_REFRESHED:
        tables += also(now)
    duration = round((time.perf_counter() - started) * 1000)
    with transaction.atomic():
        for model, rows in tables:
            model.objects.all().delete()
            model.objects.bulk_create(rows, batch_size=2000)
        NeedsRefresh.objects.all().delete()
        return NeedsRefresh.objects.create(refreshed_at=now, duration_ms=duration)

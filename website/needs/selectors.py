"""Shared needs (`/besoins-partages/`): which problems many communes share.

A structure « expresses » a need when one of its people asks a thread (the asker's structure
at the time of asking), marks a thread « même problème », or supports an agenda proposal (the
structures where the marker or supporter holds a current position). Needs are ranked by the
number of distinct communes, then of distinct structures, that expressed them.

Two groupings, each computed with SQL (DISTINCT pairs, GROUP BY month) and a fixed number of
queries whatever the data size:

- by topic: askers, « même problème » marks and supporters of proposals on that topic;
- by clusters of similar threads: the threads with the most « même problème » marks, joined
  with the threads the search engine ranks closest to each (title and start of the text, on
  either backend), so that « déneigement groupé » and « achat de sel en commun » meet.
  Proposals are not linked to threads, so their supporters count in the topic grouping only.

docs/coordination.md describes the counts for readers.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.formats import date_format

from directory.models import Person, Position, Structure, StructureKind, TopicInterest
from directory.selectors import area_ids
from qa.models import Answer, Question, QuestionKind, SameProblem
from qa.selectors import listed_questions
from taxonomy.models import Topic
from website.needs.models import (
    TopicDay,
    TopicStructure,
    TopicSupporter,
    TrendMonth,
)
from website.needs.refresh import TREND_MONTHS, listed_marks, month_bounds
from website.search import services as search_services

# How many threads seed the clusters (most « même problème » marks first), and how many
# similar threads the search adds to each.
SEED_THREADS = 30
SIMILAR_PER_THREAD = 4
# Words of a thread's text (after its title) given to the search to find its neighbours.
SIMILAR_TEXT_WORDS = 25
SIMILAR_CACHE_SECONDS = 3600
NEEDS_SHOWN = 20
# The page asks a refresh of the aggregates older than this (cron refreshes every 15 minutes).
STALE_AFTER = datetime.timedelta(minutes=30)
EXPERTS_SHOWN = 3
SHOWN_STRUCTURES = 5  # communes and CCs named per need on the page; the CSV has them all


@dataclass(frozen=True)
class NeedFilters:
    """The filter form's values, resolved: a CC, a topic, a number of months (None: all)."""

    cc: Structure | None = None
    topic: Topic | None = None
    months: int | None = None

    def since(self, now=None):
        """The start of the period: midnight (UTC) of the day `months` × 30.44 days ago, so
        that the per-day thread counts (`TopicDay`) cover it exactly."""
        if not self.months:
            return None
        start = (now or timezone.now()) - datetime.timedelta(days=round(self.months * 30.44))
        start = start.astimezone(datetime.UTC)
        return start.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class Thread:
    pk: int
    title: str
    url: str
    accepted: bool
    validated: bool


@dataclass
class Need:
    """A topic or a cluster of similar threads, with who expressed it."""

    title: str
    topics: list[Topic]
    structures: list[Structure]
    threads: list[Thread] = field(default_factory=list)
    thread_count: int = 0
    supporters: int = 0
    experts: list[Person] = field(default_factory=list)

    @cached_property
    def communes(self) -> list[Structure]:
        return [s for s in self.structures if s.kind == StructureKind.COMMUNE]

    @cached_property
    def ccs(self) -> list[Structure]:
        found = {}
        for structure in self.structures:
            cc = _cc(structure)
            if cc is not None:
                found[cc.pk] = cc
        return sorted(found.values(), key=lambda s: s.name)

    # The page names the first `SHOWN_STRUCTURES` of each list and counts the others; the CSV
    # keeps the full lists (a need shared by hundreds of structures made the page slow).
    @property
    def communes_shown(self) -> list[Structure]:
        return self.communes[:SHOWN_STRUCTURES]

    @property
    def communes_more(self) -> int:
        return max(len(self.communes) - SHOWN_STRUCTURES, 0)

    @property
    def ccs_shown(self) -> list[Structure]:
        return self.ccs[:SHOWN_STRUCTURES]

    @property
    def ccs_more(self) -> int:
        return max(len(self.ccs) - SHOWN_STRUCTURES, 0)

    @property
    def commune_count(self) -> int:
        return len(self.communes)

    @property
    def structure_count(self) -> int:
        return len(self.structures)

    @property
    def answered(self) -> bool:
        return any(t.accepted or t.validated for t in self.threads)

    @property
    def rank_key(self):
        return (-self.commune_count, -self.structure_count, -self.thread_count, self.title)


def _cc(structure: Structure) -> Structure | None:
    """The CC of a structure (itself when it is one), from the prefetched parent."""
    if structure.kind == StructureKind.CC:
        return structure
    parent = structure.parent
    if parent is not None and parent.kind == StructureKind.CC:
        return parent
    return None


@dataclass
class SharedNeeds:
    by_cluster: list[Need]
    by_topic: list[Need]


# --- The rows every grouping starts from -----------------------------------------------------


def _threads(filters: NeedFilters, since):
    qs = listed_questions()
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if filters.topic is not None:
        qs = qs.filter(topics=filters.topic)
    return qs


def _marks(filters: NeedFilters, since):
    qs = listed_marks()
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs


def _current_structure_of(qs, user_path: str, area):
    """Restrict `qs` to rows whose user holds a current position (in `area` when given)."""
    positions = Position.objects.current()
    if area is not None:
        positions = positions.filter(structure_id__in=area)
    return qs.filter(**{f"{user_path}__person__positions__in": positions})


def _area(filters: NeedFilters):
    return area_ids(filters.cc) if filters.cc is not None else None


# --- By topic: read from the materialised aggregates (website/needs/refresh.py) -----------------


def _topic_pairs(filters: NeedFilters, since) -> dict[int, set[int]]:
    """{topic id: structure ids} that expressed it (asked, marked, supported) in the period:
    one query on `TopicStructure`, at most topics × structures rows."""
    qs = TopicStructure.objects.all()
    if since is not None:
        qs = qs.filter(last_at__gte=since)
    if filters.topic is not None:
        qs = qs.filter(topic=filters.topic)
    area = _area(filters)
    if area is not None:
        qs = qs.filter(structure_id__in=area)
    pairs = defaultdict(set)
    for topic_id, structure_id in qs.values_list("topic_id", "structure_id"):
        pairs[topic_id].add(structure_id)
    return pairs


def _supporter_counts(filters: NeedFilters, since) -> dict[int, int]:
    """{topic id: people who supported a proposal on it in the period} (everywhere)."""
    qs = TopicSupporter.objects.all()
    if since is not None:
        qs = qs.filter(last_at__gte=since)
    if filters.topic is not None:
        qs = qs.filter(topic=filters.topic)
    return dict(
        qs.values("topic_id").annotate(n=Count("pk")).order_by().values_list("topic_id", "n")
    )


def _topic_thread_counts(filters: NeedFilters, since) -> dict[int, int]:
    qs = TopicDay.objects.all()
    if since is not None:
        qs = qs.filter(day__gte=since.date())
    if filters.topic is not None:
        qs = qs.filter(topic=filters.topic)
    return dict(
        qs.values("topic_id").annotate(n=Sum("threads")).order_by().values_list("topic_id", "n")
    )


# --- By clusters of similar threads ----------------------------------------------------------


def _seeds(filters: NeedFilters, since) -> list[int]:
    """The threads with the most « même problème » marks (then the most recent)."""
    qs = _threads(filters, since)
    area = _area(filters)
    if area is not None:
        marked_here = _current_structure_of(SameProblem.objects.all(), "user", area).values(
            "question_id"
        )
        qs = qs.filter(Q(author_structure_id__in=area) | Q(pk__in=marked_here))
    # One query per kind, so that each walks the index `qa_question_alive_same` (kind,
    # same_problem_count, created_at) and stops after SEED_THREADS rows instead of sorting
    # every thread (2.7 s at 100,000); the best of both lists are the best of all.
    order = ("-same_problem_count", "-created_at", "-pk")
    best = []
    for kind in QuestionKind.values:
        best += (
            qs.filter(kind=kind)
            .order_by(*order)
            .values_list("same_problem_count", "created_at", "pk")[:SEED_THREADS]
        )
    best.sort(key=lambda row: row, reverse=True)
    return [pk for _count, _created, pk in best[:SEED_THREADS]]


def similar_thread_ids(user, question_pk: int, title: str, body: str) -> list[int]:
    """The threads the search ranks closest to this one's title and first words, cached per
    thread and text (every member sees the same threads)."""
    text = " ".join([title, *body.split()[:SIMILAR_TEXT_WORDS]])
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    key = f"needs:similar:{question_pk}:{digest}"
    found = cache.get(key)
    if found is None:
        hits = search_services.ranked_among(
            user, text, search_services.QUESTION_KINDS, limit=SIMILAR_PER_THREAD + 1
        )
        found = [
            int(hit.uid.partition(":")[2])
            for hit in hits
            if hit.uid.startswith("question:") and hit.uid != f"question:{question_pk}"
        ][:SIMILAR_PER_THREAD]
        cache.set(key, found, SIMILAR_CACHE_SECONDS)
    return found


def _clusters(edges: dict[int, list[int]]) -> list[list[int]]:
    """Connected threads (union-find), each cluster in seed order."""
    parent: dict[int, int] = {}

    def root(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    order = []
    for seed, neighbours in edges.items():
        for node in (seed, *neighbours):
            if node not in parent:
                order.append(node)
            root(node)
        for neighbour in neighbours:
            parent[root(neighbour)] = root(seed)
    groups = defaultdict(list)
    for node in order:
        groups[root(node)].append(node)
    return list(groups.values())


# --- Putting it together ---------------------------------------------------------------------


def shared_needs(user, filters: NeedFilters, *, now=None) -> SharedNeeds:
    """Both groupings, ranked; a fixed number of queries (the search's own, cached, aside)."""
    since = filters.since(now)
    area = _area(filters)

    # Topics.
    topic_pairs = _topic_pairs(filters, since)
    supporter_counts = _supporter_counts(filters, since)
    thread_counts = _topic_thread_counts(filters, since)

    # Clusters.
    seeds = _seeds(filters, since)
    seed_rows = Question.objects.filter(pk__in=seeds).values_list("pk", "title", "body")
    edges = {pk: similar_thread_ids(user, pk, title, body) for pk, title, body in seed_rows}
    edges = {pk: edges[pk] for pk in seeds if pk in edges}
    wanted = {pk for pk, near in edges.items() for pk in (pk, *near)}
    threads_qs = _threads(NeedFilters(months=filters.months), since).filter(pk__in=wanted)
    thread_rows = {
        row[0]: row
        for row in threads_qs.values_list(
            "pk", "title", "slug", "kind", "accepted_answer_id", "author_structure_id"
        )
    }
    validated = set(
        Answer.objects.filter(
            question_id__in=thread_rows, validated_at__isnull=False, deleted_at__isnull=True
        )
        .values_list("question_id", flat=True)
        .distinct()
    )
    thread_structures = defaultdict(set)
    for pk, *_rest, structure_id in thread_rows.values():
        if structure_id is not None and (area is None or structure_id in area):
            thread_structures[pk].add(structure_id)
    marks = _current_structure_of(
        _marks(filters, since).filter(question_id__in=thread_rows), "user", area
    )
    for question_id, structure_id in (
        marks.values_list("question_id", "user__person__positions__structure_id")
        .distinct()
        .order_by()
    ):
        thread_structures[question_id].add(structure_id)
    thread_topics = defaultdict(set)
    for question_id, topic_id in Question.topics.through.objects.filter(
        question_id__in=thread_rows
    ).values_list("question_id", "topic_id"):
        thread_topics[question_id].add(topic_id)
    edges = {
        pk: [near for near in neighbours if near in thread_rows]
        for pk, neighbours in edges.items()
        if pk in thread_rows
    }

    # The rows named: structures (with their CC), topics, experts.
    structure_ids = set().union(*topic_pairs.values(), *thread_structures.values())
    structures = Structure.objects.select_related("parent").in_bulk(structure_ids)
    topic_ids = set(topic_pairs) | set().union(*thread_topics.values())
    topics = Topic.objects.in_bulk(topic_ids)
    experts = _experts(topic_ids)

    def named(ids):
        return sorted((structures[i] for i in ids if i in structures), key=lambda s: s.name)

    def topic_list(ids):
        return sorted((topics[i] for i in ids if i in topics), key=lambda t: t.name)

    def experts_of(ids):
        found = {}
        for topic_id in sorted(ids):
            for person in experts.get(topic_id, []):
                found.setdefault(person.pk, person)
        return sorted(found.values(), key=lambda p: (p.last_name, p.first_name))[:EXPERTS_SHOWN]

    by_topic = [
        Need(
            title=topics[topic_id].name,
            topics=[topics[topic_id]],
            structures=named(ids),
            thread_count=thread_counts.get(topic_id, 0),
            supporters=supporter_counts.get(topic_id, 0),
            experts=experts_of({topic_id}),
        )
        for topic_id, ids in topic_pairs.items()
        if topic_id in topics and ids
    ]
    by_cluster = []
    for members in _clusters(edges):
        ids = set().union(*(thread_structures[pk] for pk in members))
        if not ids:
            continue
        cluster_topics = set().union(*(thread_topics[pk] for pk in members))
        threads = [_thread(thread_rows[pk], validated) for pk in members]
        by_cluster.append(
            Need(
                title=threads[0].title,
                topics=topic_list(cluster_topics),
                structures=named(ids),
                threads=threads,
                thread_count=len(threads),
                experts=experts_of(cluster_topics),
            )
        )
    by_topic.sort(key=lambda need: need.rank_key)
    by_cluster.sort(key=lambda need: need.rank_key)
    return SharedNeeds(by_cluster=by_cluster[:NEEDS_SHOWN], by_topic=by_topic[:NEEDS_SHOWN])


def _thread(row, validated) -> Thread:
    pk, title, slug, kind, accepted_id, _structure = row
    question = Question(pk=pk, title=title, slug=slug, kind=kind)
    return Thread(
        pk=pk,
        title=title,
        url=question.get_absolute_url(),
        accepted=accepted_id is not None,
        validated=pk in validated,
    )


def _experts(topic_ids) -> dict[int, list[Person]]:
    """{topic id: listed people with an active account and a recognised expertise}: one query."""
    found = defaultdict(list)
    links = (
        TopicInterest.objects.recognised()
        .filter(
            topic_id__in=topic_ids,
            person__in=Person.objects.listed().with_active_account(),
        )
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    for link in links:
        found[link.topic_id].append(link.person)
    return found


# --- Trend -----------------------------------------------------------------------------------


def monthly_trend(filters: NeedFilters, *, now=None) -> list[tuple[str, int]]:
    """Needs expressed per month over the last twelve (threads asked, « même problème »
    marks, supports), for the CC and topic filters: one query on `TrendMonth`."""
    bounds = month_bounds(now or timezone.now(), TREND_MONTHS)
    months = [timezone.localtime(start).date() for start in bounds[:-1]]
    counts = dict(
        TrendMonth.objects.filter(cc=filters.cc, topic=filters.topic, month__in=months)
        .order_by()
        .values_list("month", "expressions")
    )
    return [(date_format(month, "M Y"), counts.get(month, 0)) for month in months]

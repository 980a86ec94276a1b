"""What the results page offers when a search finds nothing (issue 12, item 6).

- the query with one word (or "quoted phrase") removed, for each whose removal finds
  something (with the number of results), keeping the filters. With the any-word ranking a
  search is empty when a required phrase is nowhere, or when no word is;
- the closest topics: those whose name looks like a typed word (a typo of « urbanisme »),
  then those of the documents each typed word (phrases included) finds on its own;
- for members, the people of the directory who handle those topics: listed experts of the
  topics and the contacts of the structures that hold them as a competence.

Everything goes through the search service's filter (`principals_for`): a removal count or
a topic never reveals a document the user may not see.
"""

import difflib
from dataclasses import dataclass, field
from urllib.parse import urlencode

from directory.models import Competence
from directory.roles import is_member
from directory.selectors import experts_for
from directory.text import fold
from taxonomy.models import Topic
from website.search import documents
from website.search.analysis import parse_query
from website.search.backends import get_backend
from website.search.results import IndexUnavailable, SearchRequest

MAX_WORDS = 5  # words tried (one search each for the removals, one each for the topics)
MAX_TOPICS = 4
MAX_PEOPLE = 6
CLOSE_NAME = 0.8  # difflib ratio between a typed word and a word of a topic's name


@dataclass(frozen=True)
class Removal:
    removed: str  # the word (or "phrase") left out
    query: str
    total: int
    link: str  # the results page for `query`, with the same filters


@dataclass(frozen=True)
class Handler:
    person: object
    detail: str


@dataclass
class EmptyHelp:
    removals: list[Removal] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    people: list[Handler] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.removals or self.topics or self.people)


def empty_help_for(user, outcome) -> EmptyHelp:
    """Suggestions for a search (`service.SearchOutcome`) that found nothing."""
    parsed = parse_query(outcome.query)
    principals = documents.principals_for(user)
    backend = get_backend()

    def search(query: str, *, facets: bool = False):
        request = SearchRequest(
            query=query,
            principals=principals,
            filters=outcome.filters,
            per_page=1,
            facets=facets,
            highlight=False,
        )
        return backend.search(request)

    help_ = EmptyHelp()
    positive = list(parsed.positive)[:MAX_WORDS]
    try:
        if len(positive) > 1:
            for item in positive:
                rest = " ".join(i.as_text() for i in parsed.items if i != item)
                total = search(rest).total
                if total:
                    link = "?" + urlencode({"q": rest, **outcome.filters})
                    help_.removals.append(Removal(item.as_text(), rest, total, link))
        topic_counts: dict[str, int] = {}
        words = list(dict.fromkeys(word for item in positive for word in item.words))
        for word in words[:MAX_WORDS]:
            found = search(word, facets=True)
            for value in found.facets.get("topics", []):
                topic_counts[value.value] = topic_counts.get(value.value, 0) + value.count
    except IndexUnavailable:
        return help_
    help_.topics = _closest_topics(positive, topic_counts)
    if help_.topics and is_member(user):
        help_.people = _handlers(help_.topics)
    return help_


def _closest_topics(items, counts: dict[str, int]) -> list[Topic]:
    typed = [fold(word) for item in items for word in item.words if len(word) >= 4]
    by_name, by_count = [], []
    for topic in Topic.objects.active().only("pk", "name", "slug"):
        words = [fold(word) for word in topic.name.split() if len(word) >= 4]
        closeness = max(
            (difflib.SequenceMatcher(None, a, b).ratio() for a in typed for b in words),
            default=0.0,
        )
        if closeness >= CLOSE_NAME:
            by_name.append((-closeness, topic.name, topic))
        elif counts.get(topic.slug):
            by_count.append((-counts[topic.slug], topic.name, topic))
    ranked = [t for *_, t in sorted(by_name)] + [t for *_, t in sorted(by_count)]
    return ranked[:MAX_TOPICS]


def _handlers(topics) -> list[Handler]:
    """Listed experts of the topics, then the listed contacts of the structures holding them."""
    people: dict[int, Handler] = {}
    for person in experts_for(topics=topics, limit=MAX_PEOPLE):
        people.setdefault(person.pk, Handler(person, ""))
    contacts = (
        Competence.objects.filter(topic__in=topics, contact__is_listed=True)
        .select_related("contact", "structure", "topic")
        .order_by("topic__name", "structure__name")
    )
    for competence in contacts:
        detail = f"{competence.topic.name} — {competence.structure.name}"
        people.setdefault(competence.contact_id, Handler(competence.contact, detail))
    return list(people.values())[:MAX_PEOPLE]

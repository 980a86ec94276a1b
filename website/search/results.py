"""Plain objects exchanged between the search service, its backends and the views."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Document kinds; the order is the order of the "type" facet.
KIND_LABELS = {
    "question": _("Questions"),
    "discussion": _("Discussions"),
    "proposal": _("Sujets d'ordre du jour"),
    "faq": _("FAQ"),
    "veille": _("Veille réglementaire"),
    "resource": _("Ressources"),
    "page": _("Pages"),
    "person": _("Personnes"),
    "structure": _("Structures"),
}
FACET_FIELDS = ("kind", "topics", "structure", "year")
SORTS = ("relevance", "date")


def in_file_snippet(name: str, snippet_html: str) -> str:
    """A snippet found in an attached file's text says which file (the name is escaped; the
    snippet is already escaped HTML with its `<mark>`s)."""
    return format_html(
        "{} : {}",
        gettext("dans « %(name)s »") % {"name": name},
        mark_safe(snippet_html),  # noqa: S308 - escaped by the backend, <mark> only
    )


@dataclass(frozen=True)
class SearchDocument:
    """One entry of the index: what is searched, shown, filtered and who may see it.

    `acl` holds principals: "public", "members", "moderators", "user:<id>", "group:<name>",
    `groups:<name>|<name>…` (holding all those groups);
    a user sees a document when they share at least one principal with it.
    """

    uid: str
    kind: str
    title: str
    url: str
    acl: tuple[str, ...]
    body: str = ""
    names: str = ""
    topics: tuple[str, ...] = ()
    topic_names: str = ""
    structure: str = ""
    date: datetime | None = None
    extra: str = ""
    # A thread with an accepted or expert-validated answer (a small ranking boost).
    answered: bool = False
    # The text of the thread's attached files, as (file name, text): searched with a lower
    # weight than the body, and shown in a snippet « dans « name » » when only a file matches.
    files: tuple[tuple[str, str], ...] = ()

    @property
    def year(self) -> str:
        return str(self.date.year) if self.date else ""

    def fingerprint(self) -> str:
        """A digest of everything indexed: `search_check` compares it to spot stale entries."""
        import hashlib

        parts = [
            self.kind,
            self.title,
            self.url,
            ",".join(sorted(self.acl)),
            self.body,
            self.names,
            ",".join(self.topics),
            self.topic_names,
            self.structure,
            self.date.isoformat() if self.date else "",
            self.extra,
        ]
        if self.answered:  # only then: the other documents keep their fingerprints
            parts.append("answered")
        for name, text in self.files:  # likewise
            parts += [name, text]
        return hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class SearchRequest:
    """What to look for, for whom (`principals`), with which filters, order and page."""

    query: str
    principals: frozenset[str]
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    facets: bool = True
    highlight: bool = True


@dataclass(frozen=True)
class Hit:
    uid: str
    kind: str
    title: str
    url: str
    title_html: str
    snippet_html: str
    date: datetime | None
    topics: tuple[str, ...]
    structure: str
    score: float


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    page: int
    page_count: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str = ""
    # The total and the facet counts are estimates (a backend that samples large result
    # sets says so; the page then reads "environ").
    estimated: bool = False
    # Some document the user may see holds every word of the query (typed words, their
    # forms and synonyms; not fuzzy neighbours). False: the hits hold only some of them.
    all_words: bool = True


@dataclass(frozen=True)
class SimilarHit:
    uid: str
    title: str
    url: str
    kind: str
    score: float


@dataclass(frozen=True)
class IndexEntry:
    """What `search_check` reads back from a backend: uid and fingerprint."""

    uid: str
    fingerprint: str


class IndexUnavailable(Exception):
    """The index is missing, being rebuilt, or cannot be opened."""

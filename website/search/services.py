"""The search service: what views, tasks and commands call. Backends stay behind it."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.core.cache import cache

from qa import selectors as qa_selectors
from qa import services as qa_services
from website.search import documents
from website.search.analysis import parse_query
from website.search.backends import get_backend
from website.search.results import (
    FACET_FIELDS,
    SORTS,
    IndexUnavailable,
    SearchRequest,
    SearchResults,
    SimilarHit,
)

# "Did you mean" is computed only when a query finds this many results or fewer.
FEW_RESULTS = 2
SIMILAR_MIN_WORDS = 3
QUESTION_KINDS = ("question", "discussion")
DIRECTORY_KINDS = ("person", "structure")
REBUILD_FLAG = "search:rebuild-requested"


@dataclass
class SearchOutcome:
    """What the results page shows."""

    query: str
    results: SearchResults | None = None
    empty_query: bool = False
    only_stop_words: bool = False
    unavailable: bool = False
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "relevance"
    # The query as typed, when no document held all its words and the corrected one
    # (`query`) was run instead ("Résultats pour « query ». Rechercher plutôt « … »").
    corrected_from: str = ""

    @property
    def partial(self) -> bool:
        """Results found, but none holds every word of the query."""
        return bool(self.results and self.results.total and not self.results.all_words)


def clean_filters(raw: dict) -> dict[str, str]:
    """Known facet fields only, short values; unknown values simply match nothing."""
    filters = {}
    for name in FACET_FIELDS:
        value = (raw.get(name) or "").strip()[:100]
        if value:
            filters[name] = value
    return filters


def search_for(
    user, query: str, *, filters=None, sort="relevance", page=1, per_page=10, force=False
):
    """The results page. When no visible document holds every word and a correction
    exists, the corrected query is run at once (unless `force`: the member asked for their
    own words)."""
    parsed = parse_query(query)
    outcome = SearchOutcome(
        query=parsed.text,
        filters=clean_filters(filters or {}),
        sort=sort if sort in SORTS else "relevance",
    )
    if parsed.is_empty:
        outcome.empty_query = True
        return outcome
    if parsed.only_stop_words:
        outcome.only_stop_words = True
        return outcome
    principals = documents.principals_for(user)
    request = SearchRequest(
        query=parsed.canonical(),
        principals=principals,
        filters=outcome.filters,
        sort=outcome.sort,
        page=page,
        per_page=per_page,
    )
    backend = get_backend()
    try:
        results = backend.search(request)
        if results.total <= FEW_RESULTS or not results.all_words:
            suggestion = backend.suggest(parsed.canonical(), principals)
            corrected = None
            if suggestion and not results.all_words and not force:
                corrected_query = parse_query(suggestion)
                corrected = backend.search(replace(request, query=corrected_query.canonical()))
            if corrected is not None and corrected.total:
                outcome.corrected_from = parsed.text
                outcome.query = corrected_query.text
                results = corrected
            elif results.total <= FEW_RESULTS:
                results.suggestion = suggestion
    except IndexUnavailable:
        outcome.unavailable = True  # the view asks the search worker for a rebuild
        return outcome
    outcome.results = results
    return outcome


def ranked_among(user, text: str, kinds, *, limit: int) -> list[SimilarHit]:
    """The documents of these kinds that the search ranks first for `text`, among what the
    user may see.

    Used wherever the site suggests something from typed text, so that all of it ranks like
    the results page: similar questions (ask form, with and without JavaScript), the
    questions a regulatory update may affect, the directory's "who handles…".
    """
    return rank_kinds(text, documents.principals_for(user), kinds, limit=limit)


def rank_kinds(text: str, principals, kinds, *, limit: int) -> list[SimilarHit]:
    """`ranked_among` for a set of principals: one search per kind (the kind filter takes
    one value), merged by score. `text` is read as plain words (a title may hold quotes or
    dashes that are not query syntax)."""
    words = [word for item in parse_query(text).positive for word in item.words]
    if not words:
        return []
    backend = get_backend()
    hits = []
    try:
        for kind in kinds:
            request = SearchRequest(
                query=" ".join(words),
                principals=principals,
                filters={"kind": kind},
                per_page=limit,
                facets=False,
                highlight=False,
            )
            hits += backend.search(request).hits
    except IndexUnavailable:
        return []
    hits.sort(key=lambda hit: hit.score, reverse=True)
    return [
        SimilarHit(uid=hit.uid, title=hit.title, url=hit.url, kind=hit.kind, score=hit.score)
        for hit in hits[:limit]
    ]


def similar_for(user, text: str, *, limit: int = 5) -> list[SimilarHit]:
    """Questions and discussions close to a title being typed (from three words)."""
    parsed = parse_query(text)
    if sum(len(i.words) for i in parsed.positive) < SIMILAR_MIN_WORDS:
        return []
    return ranked_among(user, text, QUESTION_KINDS, limit=limit)


def similar_questions_for(user, title: str, *, limit: int = 5, exclude_pk=None):
    """`similar_for` as Q&A objects (rank order), for the ask form and its JSON."""
    from qa.models import Question

    hits = similar_for(user, title, limit=limit + 1)
    pks = [int(h.uid.partition(":")[2]) for h in hits if h.uid.startswith("question:")]
    pks = [pk for pk in pks if pk != exclude_pk][:limit]
    by_pk = Question.objects.only(
        "pk", "title", "slug", "kind", "answer_count", "accepted_answer"
    ).in_bulk(pks)
    return [by_pk[pk] for pk in pks if pk in by_pk]


def who_handles_for(user, text: str, *, limit: int = 5) -> list[str]:
    """uids of the people and structures of the directory that handle what `text` names
    (functions, expertise, competences), best first."""
    return [hit.uid for hit in ranked_among(user, text, DIRECTORY_KINDS, limit=limit)]


# --- Writing -----------------------------------------------------------------------------------


def sync(uids) -> tuple[int, int]:
    """Bring these uids in line with the database: (indexed, removed)."""
    docs, gone = documents.build_many(uids)
    backend = get_backend()
    backend.write(docs, gone)
    return len(docs), len(gone)


def rebuild() -> int:
    backend = get_backend()
    count = backend.rebuild(documents.all_documents(), replay=documents.build_many)
    cache.delete(REBUILD_FLAG)
    return count


@dataclass(frozen=True)
class TextSource:
    """Files whose text an upper app extracts for search (the CMS's documents): `pending()`
    returns the ids whose stored text is missing or out of date, `extract(id)` reads one."""

    label: str
    pending: Callable[[], list[int]]
    extract: Callable[[int], object]


# Registered by the apps that own the files (`register_text_source`); search names none of
# their models. The attachments of the Q&A, a lower layer, are checked directly.
TEXT_SOURCES: dict[str, TextSource] = {}


def register_text_source(name: str, *, label: str, pending, extract) -> None:
    TEXT_SOURCES[name] = TextSource(label=label, pending=pending, extract=extract)


@dataclass
class CheckReport:
    missing: list[str]
    extra: list[str]
    stale: list[str]
    state: str
    repaired: list[str] = field(default_factory=list)
    # Attachments whose text was never extracted (a lost task, files posted before issue 17).
    unextracted: list[int] = field(default_factory=list)
    # Per registered text source (`TEXT_SOURCES`): the ids whose text is missing or outdated.
    unread: dict[str, list[int]] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return self.state == "ok" and not (
            self.missing
            or self.extra
            or self.stale
            or self.unextracted
            or any(self.unread.values())
        )


def check(*, repair: bool = False) -> CheckReport:
    """Compare the index with the database: documents missing, extra or out of date."""
    backend = get_backend()
    repaired = backend.repair() if repair else []
    state = backend.state()
    if state != "ok":
        report = CheckReport(missing=[], extra=[], stale=[], state=state, repaired=repaired)
        if repair and state in ("missing", "corrupt", "outdated"):
            count = rebuild()
            report.repaired.append(f"index rebuilt ({count} documents)")
            report.state = backend.state()
        return report
    unextracted = qa_selectors.attachments_without_text()
    if repair and unextracted:
        # Extracted here, before the comparison: the new text makes the threads stale.
        for attachment_id in unextracted:
            qa_services.attachment_text_extract(attachment_id)
        repaired.append(f"text extracted from {len(unextracted)} attachment(s)")
        unextracted = qa_selectors.attachments_without_text()
    unread = {}
    for name, source in TEXT_SOURCES.items():
        pending = source.pending()
        if repair and pending:
            for pk in pending:
                source.extract(pk)
            repaired.append(f"text extracted from {len(pending)} {name}")
            pending = source.pending()
        unread[name] = pending
    expected = {doc.uid: doc.fingerprint() for doc in documents.all_documents()}
    indexed = {entry.uid: entry.fingerprint for entry in backend.entries()}
    missing = sorted(set(expected) - set(indexed))
    extra = sorted(set(indexed) - set(expected))
    stale = sorted(uid for uid in set(expected) & set(indexed) if expected[uid] != indexed[uid])
    report = CheckReport(
        missing=missing,
        extra=extra,
        stale=stale,
        state=state,
        repaired=repaired,
        unextracted=unextracted,
        unread=unread,
    )
    if repair and (missing or extra or stale):
        indexed_count, removed = sync(missing + stale + extra)
        report.repaired.append(f"{indexed_count} document(s) indexed, {removed} removed")
    return report

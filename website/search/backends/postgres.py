"""PostgreSQL full-text backend, for deployments with several app servers.

One table (`SearchEntry`) with a generated, weighted `tsvector` (title and names A, topics B,
body C) in the `entraide_fr` configuration (French stemming after `unaccent`), GIN indexes on
it, on the ACL and on the topics, and a trigram index on titles. Permissions are part of the
WHERE clause (`acl ?| principals`); facets are `GROUP BY` over the same WHERE clause; snippets
come from `ts_headline`; "did you mean" and similar questions use `pg_trgm`.
"""

import html
from collections.abc import Iterable, Iterator

from django.db import connection, transaction

from website.search.analysis import fold, french_tokens, parse_query
from website.search.models import SearchEntry
from website.search.results import (
    FacetValue,
    Hit,
    IndexEntry,
    IndexUnavailable,
    SearchDocument,
    SearchRequest,
    SearchResults,
    SimilarHit,
)

CONFIG = "entraide_fr"
START, STOP = "\u27e6", "\u27e7"  # sentinels around matches, turned into <mark> after escaping
BODY_HEADLINE = (
    f"StartSel={START}, StopSel={STOP}, MaxFragments=2, MaxWords=30, MinWords=12, "
    'FragmentDelimiter=" … "'
)
TITLE_HEADLINE = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
FACET_COLUMNS = {"kind": "kind", "structure": "structure", "year": "year"}
HEADLINE_CHARS = 20_000


def _marked(text: str) -> str:
    return html.escape(text or "").replace(START, "<mark>").replace(STOP, "</mark>")


def _entry(doc: SearchDocument) -> SearchEntry:
    return SearchEntry(
        uid=doc.uid,
        kind=doc.kind,
        title=doc.title,
        body=doc.body,
        names=doc.names,
        topic_names=doc.topic_names,
        topics=list(doc.topics),
        structure=doc.structure,
        year=doc.year,
        date=doc.date,
        acl=list(doc.acl),
        url=doc.url,
        fingerprint=doc.fingerprint(),
    )


_UPDATE_FIELDS = [f.name for f in SearchEntry._meta.concrete_fields if f.name != "uid"]


class PostgresBackend:
    name = "postgres"

    def _check(self):
        if connection.vendor != "postgresql":
            raise IndexUnavailable("unavailable")

    def state(self) -> str:
        if connection.vendor != "postgresql":
            return "unavailable"
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM search_searchentry LIMIT 1")
        except Exception:
            return "corrupt"
        return "ok"

    def repair(self) -> list[str]:
        return []

    # --- Writing ------------------------------------------------------------------------------

    def index(self, documents: Iterable[SearchDocument]) -> None:
        self.write(documents)

    def delete(self, uids: Iterable[str]) -> None:
        self.write((), uids)

    def write(self, documents: Iterable[SearchDocument], delete_uids: Iterable[str] = ()):
        self._check()
        entries = [_entry(d) for d in documents]
        with transaction.atomic():
            uids = list(delete_uids)
            if uids:
                SearchEntry.objects.filter(uid__in=uids).delete()
            if entries:
                SearchEntry.objects.bulk_create(
                    entries,
                    update_conflicts=True,
                    unique_fields=["uid"],
                    update_fields=_UPDATE_FIELDS,
                )

    def rebuild(self, documents: Iterable[SearchDocument], replay=None) -> int:
        """One transaction: readers keep seeing the old rows until it commits."""
        self._check()
        count = 0
        with transaction.atomic():
            SearchEntry.objects.all().delete()
            batch = []
            for doc in documents:
                batch.append(_entry(doc))
                if len(batch) >= 500:
                    SearchEntry.objects.bulk_create(batch)
                    count += len(batch)
                    batch = []
            if batch:
                SearchEntry.objects.bulk_create(batch)
                count += len(batch)
        return count

    def entries(self) -> Iterator[IndexEntry]:
        self._check()
        for uid, fingerprint in SearchEntry.objects.values_list("uid", "fingerprint").iterator():
            yield IndexEntry(uid=uid, fingerprint=fingerprint)

    # --- Reading ------------------------------------------------------------------------------

    def _where(self, request_filters: dict, principals: frozenset[str]):
        clauses = ["tsv @@ query", "acl ?| %(principals)s"]
        params = {"principals": sorted(principals)}
        for name, value in request_filters.items():
            if not value:
                continue
            if name == "topics":
                clauses.append("topics ? %(f_topics)s")
            elif name in FACET_COLUMNS:
                clauses.append(f"{FACET_COLUMNS[name]} = %(f_{name})s")
            else:
                continue
            params[f"f_{name}"] = value
        return " AND ".join(clauses), params

    def search(self, request: SearchRequest) -> SearchResults:
        self._check()
        canonical = parse_query(request.query).canonical()
        where, params = self._where(request.filters, request.principals)
        params["q"] = canonical
        source = (
            f"FROM search_searchentry, websearch_to_tsquery('{CONFIG}', %(q)s) AS query "
            f"WHERE {where}"
        )
        order = (
            "date DESC NULLS LAST, uid"
            if request.sort == "date"
            else "ts_rank_cd(tsv, query, 1) DESC, date DESC NULLS LAST, uid"
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) {source}", params)  # noqa: S608 — fixed fragments
            total = cursor.fetchone()[0]
            page_count = max(1, -(-total // request.per_page))
            page = min(max(1, request.page), page_count)
            params.update(limit=request.per_page, offset=(page - 1) * request.per_page)
            if request.highlight:
                columns = (
                    f"ts_headline('{CONFIG}', title, query, '{TITLE_HEADLINE}'), "
                    f"ts_headline('{CONFIG}', left(body, {HEADLINE_CHARS}), query, "
                    f"'{BODY_HEADLINE}')"
                )
            else:
                columns = "'', ''"
            outer_order = (
                "date DESC NULLS LAST, uid"
                if request.sort == "date"
                else ("rank DESC, date DESC NULLS LAST, uid")
            )
            cursor.execute(
                f"SELECT uid, kind, title, url, date, topics, structure, rank, {columns} "  # noqa: S608
                "FROM (SELECT search_searchentry.uid, kind, title, body, url, date, topics, "
                f"structure, ts_rank_cd(tsv, query, 1) AS rank, query {source} "
                f"ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s) AS page "
                f"ORDER BY {outer_order}",
                params,
            )
            rows = cursor.fetchall()
            facets = self._facets(cursor, source, params) if request.facets else {}
        hits = []
        for uid, kind, title, url, date, topics, structure, rank, title_hl, body_hl in rows:
            hits.append(
                Hit(
                    uid=uid,
                    kind=kind,
                    title=title,
                    url=url,
                    title_html=_marked(title_hl) if title_hl else html.escape(title),
                    snippet_html=_marked(body_hl),
                    date=date,
                    topics=tuple(topics or ()),
                    structure=structure,
                    score=float(rank or 0),
                )
            )
        return SearchResults(
            hits=hits, total=total, page=page, page_count=page_count, facets=facets
        )

    def _facets(self, cursor, source, params) -> dict[str, list[FacetValue]]:
        facets: dict[str, list[FacetValue]] = {name: [] for name in ("kind", "topics")}
        facets.update(structure=[], year=[])
        cursor.execute(
            "SELECT kind, structure, year, GROUPING(kind), GROUPING(structure), count(*) "  # noqa: S608
            f"{source} GROUP BY GROUPING SETS ((kind), (structure), (year)) "
            "ORDER BY count(*) DESC",
            params,
        )
        for kind, structure, year, g_kind, g_structure, count in cursor.fetchall():
            if not g_kind:
                name, value = "kind", kind
            elif not g_structure:
                name, value = "structure", structure
            else:
                name, value = "year", year
            if value:
                facets[name].append(FacetValue(value=value, count=count))
        cursor.execute(
            f"SELECT topic, count(*) {source.replace('WHERE', ', jsonb_array_elements_text(topics) AS topic WHERE', 1)} "  # noqa: S608, E501
            "GROUP BY topic ORDER BY count(*) DESC",
            params,
        )
        facets["topics"] = [FacetValue(value=v, count=c) for v, c in cursor.fetchall()]
        return facets

    def similar(self, text, principals, *, kinds, limit) -> list[SimilarHit]:
        self._check()
        parsed = parse_query(text)
        words = [w for item in parsed.positive for w in item.words if french_tokens(w)]
        if not words:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT uid, title, url, kind, "  # noqa: S608
                f"ts_rank_cd(tsv, query, 1) + similarity(title, %(text)s) AS score "
                f"FROM search_searchentry, websearch_to_tsquery('{CONFIG}', %(words)s) AS query "
                "WHERE kind = ANY(%(kinds)s) AND acl ?| %(principals)s "
                "AND (tsv @@ query OR title %% %(text)s) "
                "ORDER BY score DESC, uid LIMIT %(limit)s",
                {
                    "text": " ".join(words),
                    "words": " or ".join(words),
                    "kinds": list(kinds),
                    "principals": sorted(principals),
                    "limit": limit,
                },
            )
            rows = cursor.fetchall()
        return [
            SimilarHit(uid=u, title=t, url=url, kind=k, score=float(s)) for u, t, url, k, s in rows
        ]

    def _visible_count(self, cursor, query: str, principals) -> int:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM search_searchentry, "  # noqa: S608
            f"websearch_to_tsquery('{CONFIG}', %(q)s) AS query "
            "WHERE tsv @@ query AND acl ?| %(principals)s LIMIT 1) AS found",
            {"q": query, "principals": sorted(principals)},
        )
        return cursor.fetchone()[0]

    def suggest(self, query: str, principals: frozenset[str]) -> str:
        """Each word found in no visible document is replaced by the closest word of a
        visible title (trigrams); the result is offered only if it finds something."""
        self._check()
        parsed = parse_query(query)
        words, changed = [], False
        with connection.cursor() as cursor:
            for item in parsed.items:
                if item.phrase or item.negated:
                    words.append(item.as_text())
                    continue
                word = item.words[0]
                if not french_tokens(word) or self._visible_count(cursor, word, principals):
                    words.append(word)
                    continue
                cursor.execute(
                    "SELECT w FROM (SELECT DISTINCT regexp_split_to_table("
                    "lower(unaccent(title)), '[^[:alnum:]]+') AS w FROM search_searchentry "
                    "WHERE acl ?| %(principals)s "
                    "AND word_similarity(%(word)s, title) > 0.4) AS words "
                    "WHERE length(w) > 2 AND w <> %(word)s AND similarity(w, %(word)s) > 0.3 "
                    "ORDER BY similarity(w, %(word)s) DESC, w LIMIT 5",
                    {"principals": sorted(principals), "word": fold(word)},
                )
                replacement = ""
                for (candidate,) in cursor.fetchall():
                    if self._visible_count(cursor, candidate, principals):
                        replacement = candidate
                        break
                changed = changed or bool(replacement)
                words.append(replacement or word)
            if not changed:
                return ""
            corrected = " ".join(words)
            if not self._visible_count(cursor, parse_query(corrected).canonical(), principals):
                return ""
        return corrected

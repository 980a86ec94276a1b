"""PostgreSQL full-text backend, for deployments with several app servers.

One table (`SearchEntry`) with a generated, weighted `tsvector` (title and names A, topics B,
body C) in the `entraide_fr` configuration (French stemming after `unaccent`), GIN indexes on
it, on the ACL and on the topics, and a trigram index on titles. Permissions are part of the
WHERE clause (`acl ?| principals`); facets are `GROUP BY` over the same WHERE clause; snippets
come from `ts_headline`; "did you mean" and similar questions use `pg_trgm`.
"""

import html
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils.safestring import SafeString

from directory.text import fold
from website.search import expansion
from website.search.analysis import french_tokens, parse_query
from website.search.models import SearchEntry
from website.search.results import (
    FacetValue,
    Hit,
    IndexEntry,
    IndexUnavailable,
    SearchDocument,
    SearchRequest,
    SearchResults,
    in_file_snippet,
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
QUERY = f"websearch_to_tsquery('{CONFIG}', %(q)s)"
# Counts (total and facets) are estimated from *_SAMPLE_BUCKETS buckets out of
# SAMPLE_BUCKETS (`sample` = hashtext(uid) & 63); when that estimate is at most
# EXACT_COUNT_LIMIT visible matches, every match is counted and the figures are exact.
EXACT_COUNT_LIMIT = 1_000
SAMPLE_BUCKETS = 64
BOX_SAMPLE_BUCKETS = 1  # search box: the total only, from 1/64 of the matches
PAGE_SAMPLE_BUCKETS = 4  # results page: total and facets from 1/16 of the matches
# Relevance ranks about RANK_WINDOW matches (all of them when there are fewer), plus
# TITLE_WINDOW matches whose title holds the query.
RANK_WINDOW = 200
TITLE_WINDOW = 200
SUGGEST_TRIGRAM_THRESHOLD = 0.3  # pg_trgm.word_similarity_threshold for "did you mean" titles
SUGGEST_TITLES = 200
# Ranking (issue 12, the same as the Whoosh backend): the number of query words a document
# holds first (a tier each), then `ts_rank_cd` (expanded terms weighted less), a little more
# for a thread with an accepted or validated answer and for the typed words side by side.
COVERAGE_TIER = 10_000
ANSWERED_BOOST = 1.15
PROXIMITY_BOOST = 1.5
FULL_WINDOW = 200  # matches holding every word, always in the ranked window
PROBE_BUCKETS = 4  # the window's title and every-word matches: from these buckets first
FUZZY_CANDIDATES = 12


def _exists(where: str) -> str:
    """`EXISTS` over the rows matching `where`, first among the rows of the `sample` bucket 0
    (1/64 of them), then among all. A bitmap over a frequent word's postings costs tens of
    milliseconds (90,000 rows); the bucket's is 64 times smaller and holds one for any word
    in more than a few hundred documents. The second `EXISTS` (an init plan, run only if
    the first is false) keeps the answer exact."""
    return (
        f"(EXISTS (SELECT 1 FROM search_searchentry WHERE {where} AND sample < 1::smallint) "  # noqa: S608
        f"OR EXISTS (SELECT 1 FROM search_searchentry WHERE {where}))"
    )


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
        answered=doc.answered,
        files=[[name, text] for name, text in doc.files],
    )


# The lexemes of written rows, into the vocabulary typo tolerance reads (`_near`).
ADD_TERMS = (
    "INSERT INTO search_searchterm (term) SELECT DISTINCT t FROM search_searchentry, "
    "unnest(tsvector_to_array(tsv)) AS t WHERE length(t) <= 100 AND uid = ANY(%s) "
    "ON CONFLICT DO NOTHING"
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
                with connection.cursor() as cursor:
                    cursor.execute(ADD_TERMS, [[e.uid for e in entries]])

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
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_searchterm")
                cursor.execute(
                    "INSERT INTO search_searchterm (term) SELECT word FROM ts_stat("
                    "'SELECT tsv FROM search_searchentry') WHERE length(word) <= 100"
                )
        self._analyze()
        return count

    def _analyze(self):
        """Fresh statistics after a rebuild: the planner's choices (walk the date index for
        frequent words, a bitmap for rare ones) depend on them. VACUUM also sets the
        visibility map, but cannot run inside a transaction (tests, outer atomic blocks)."""
        statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            cursor.execute(f"{statement} search_searchentry")

    def entries(self) -> Iterator[IndexEntry]:
        self._check()
        for uid, fingerprint in SearchEntry.objects.values_list("uid", "fingerprint").iterator():
            yield IndexEntry(uid=uid, fingerprint=fingerprint)

    # --- Reading ------------------------------------------------------------------------------

    def _where(self, request_filters: dict, principals: frozenset[str], column="tsv", match=QUERY):
        clauses = [f"{column} @@ {match}", "principals && %(principals)s::text[]"]
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
        # A sequential scan evaluates `tsv @@` on every row it reads (decompressing each
        # `tsv`), which the planner's costs ignore: it would pick one for frequent words.
        with _tuned(enable_seqscan="off") as cursor:
            plan = expansion.plan(
                request.query,
                near=lambda word, edits: self._near(cursor, word, edits, request.principals),
            )
            sql = _PlanSQL(plan)
            if sql.empty:
                return SearchResults(hits=[], total=0, page=1, page_count=1)
            where, params = self._where(request.filters, request.principals, match=sql.match)
            params.update(sql.params)
            # Matches whose title holds a word. `title_tsv` (title and names) is the start
            # of `tsv` with the same positions, so without negated words a title match is a
            # match (no need to read `tsv` too).
            titled, _ = self._where(
                request.filters, request.principals, column="title_tsv", match=sql.match
            )
            if plan.excluded:
                titled += f" AND tsv @@ {sql.match}"
            # Without fuzzy terms a single word's every-word matches are its matches.
            full = None
            if sql.all_words != sql.match:
                full, _ = self._where(request.filters, request.principals, match=sql.all_words)
            size = request.per_page
            total, facets, estimated, all_words = self._count(
                cursor, where, params, with_facets=request.facets, full=full
            )
            page_count = max(1, -(-total // size))
            page = min(max(1, request.page), page_count)
            if request.sort == "date":
                ranked, rest = [], where
            else:
                holding = full if all_words else None  # no need to look for what is not there
                ranked, rest = self._window(cursor, where, titled, params, total, sql.rank, holding)
            uids = self._slice(cursor, ranked, rest, params, (page - 1) * size, size)
            if estimated and len(uids) < size:
                # The estimate was too high and this page reaches the end of the matches:
                # their real number is now known; a page past them becomes the last one.
                total = (page - 1) * size + len(uids)
                if not uids:
                    total = self._count_before(cursor, ranked, rest, params, (page - 1) * size)
                page_count = max(1, -(-total // size))
                if page > page_count:
                    page = page_count
                    uids = self._slice(cursor, ranked, rest, params, (page - 1) * size, size)
            rows = self._rows(cursor, uids, sql.highlight, params, request.highlight)
        scores = dict(ranked)
        hits = [
            Hit(
                uid=uid,
                kind=kind,
                title=title,
                url=url,
                title_html=_marked(title_hl) if title_hl else html.escape(title),
                snippet_html=body_hl if isinstance(body_hl, SafeString) else _marked(body_hl),
                date=date,
                topics=tuple(topics or ()),
                structure=structure,
                score=float(scores.get(uid) or 0),
            )
            for uid, kind, title, url, date, topics, structure, title_hl, body_hl in rows
        ]
        return SearchResults(
            hits=hits,
            total=total,
            page=page,
            page_count=page_count,
            facets=facets,
            estimated=estimated,
            all_words=all_words,
        )

    def _count(self, cursor, where, params, *, with_facets, full):
        """Total, facets and whether they are estimates, in one statement. First the matches
        of a few `sample` buckets are counted (the full-text index on (`tsv`, `sample`) finds
        them without reading other rows); when they scale to at most EXACT_COUNT_LIMIT, every
        match is counted (exact figures), otherwise the sample's figures are scaled up
        (estimates)."""
        buckets = PAGE_SAMPLE_BUCKETS if with_facets else BOX_SAMPLE_BUCKETS
        scale = SAMPLE_BUCKETS // buckets
        columns = "kind, structure, year, topics" if with_facets else "1 AS one"
        has_full = _exists(full) if full else "NULL"
        # `exact` gates the full scan: a one-time filter, evaluated before any row is read.
        sql = (
            f"WITH s AS MATERIALIZED (SELECT {columns} FROM search_searchentry "  # noqa: S608
            f"WHERE {where} AND sample < {buckets}::smallint), "
            f"exact AS (SELECT count(*) * {scale} <= {EXACT_COUNT_LIMIT} AS yes FROM s), "
            f"m AS MATERIALIZED (SELECT {columns} FROM search_searchentry "
            f"WHERE {where} AND (SELECT yes FROM exact) "
            "UNION ALL SELECT * FROM s WHERE NOT (SELECT yes FROM exact)) "
            f"SELECT {has_full}, "
            "(SELECT yes FROM exact), (SELECT count(*) FROM m)"
        )
        if with_facets:
            sql += (
                ", (SELECT json_agg(json_build_array(g, kind, structure, year, n)) FROM ("
                "SELECT GROUPING(kind, structure) AS g, kind, structure, year, count(*) AS n "
                "FROM m GROUP BY GROUPING SETS ((kind), (structure), (year))) AS f), "
                "(SELECT json_agg(json_build_array(topic, n)) FROM (SELECT topic, count(*) AS n "
                "FROM m, jsonb_array_elements_text(m.topics) AS topic GROUP BY topic) AS t)"
            )
        cursor.execute(sql, params)
        all_words, exact, total, *grouped = cursor.fetchone()
        if all_words is None:
            all_words = total > 0
        factor = 1 if exact else scale
        facets: dict[str, list[FacetValue]] = {}
        if with_facets:
            facets = {name: [] for name in ("kind", "topics", "structure", "year")}
            for grouping, kind, structure, year, count in grouped[0] or ():
                name, value = {1: ("kind", kind), 2: ("structure", structure)}.get(
                    grouping, ("year", year)
                )
                if value:
                    facets[name].append(FacetValue(value=value, count=count * factor))
            facets["topics"] = [FacetValue(value=v, count=c * factor) for v, c in grouped[1] or ()]
            for values in facets.values():
                values.sort(key=lambda f: (-f.count, f.value))
        return total * factor, facets, not exact, all_words

    def _window(self, cursor, where, titled, params, total, rank, full):
        """The ranked window (`(uid, rank)` pairs, best first) and the WHERE clause of the
        matches outside it (None when it holds them all).

        `ts_rank_cd` reads each row's `tsv`, so at most about RANK_WINDOW + TITLE_WINDOW
        matches are ranked: all of them when there are few; otherwise TITLE_WINDOW matches
        whose title holds the query, so that a frequent word's best hits are not left out,
        and those of the first `sample` buckets (a pseudo-random subset the index finds
        directly). The title matches are the first ones the `title_tsv` index's bitmap
        yields, in table order: sorting them by date would read every title match (15-30 ms
        for a frequent pair of words, whose joint frequency the planner underestimates).
        The other matches follow the window, newest first; the order is stable from page to
        page. `params` gains the uids of those titles (`titled`), which the WHERE clause of
        the rest refers to."""
        if total <= RANK_WINDOW:
            cursor.execute(
                f"SELECT uid, {rank} AS rank "  # noqa: S608
                f"FROM search_searchentry WHERE {where} "
                "ORDER BY rank DESC, date DESC NULLS LAST, uid",
                params,
            )
            return cursor.fetchall(), None
        window = _sampled(SAMPLE_BUCKETS * RANK_WINDOW / total)
        holding = f"ARRAY({_first(full, '%(full)s')})" if full else "'{}'::text[]"
        cursor.execute(
            f"SELECT ARRAY({_first(titled, '%(titled)s')}), {holding}",  # noqa: S608
            {**params, "titled": TITLE_WINDOW, "full": FULL_WINDOW},
        )
        titled_uids, full_uids = cursor.fetchone()
        params["titled"] = list(dict.fromkeys(titled_uids + full_uids))
        rank = f"{rank} AS rank, date"
        cursor.execute(
            f"SELECT uid, {rank} FROM search_searchentry "  # noqa: S608
            f"WHERE {where} AND {window} "
            f"UNION SELECT uid, {rank} FROM search_searchentry WHERE uid = ANY(%(titled)s) "
            "ORDER BY rank DESC, date DESC NULLS LAST, uid",
            params,
        )
        ranked = [(uid, rank) for uid, rank, _ in cursor.fetchall()]
        return ranked, f"{where} AND NOT ({window}) AND uid <> ALL(%(titled)s)"

    def _slice(self, cursor, ranked, rest, params, start, size) -> list[str]:
        """`size` uids from position `start`: the ranked window, then the rest, newest first."""
        uids = [uid for uid, _ in ranked[start : start + size]]
        if len(uids) < size and rest:
            cursor.execute(
                f"SELECT uid FROM search_searchentry WHERE {rest} "  # noqa: S608
                "ORDER BY date DESC NULLS LAST, uid OFFSET %(offset)s LIMIT %(limit)s",
                {**params, "offset": max(0, start - len(ranked)), "limit": size - len(uids)},
            )
            uids += [uid for (uid,) in cursor.fetchall()]
        return uids

    def _count_before(self, cursor, ranked, rest, params, start) -> int:
        """The number of matches when there are at most `start` (an empty page at `start`
        says so): it reads no more rows than that page's OFFSET did."""
        extra = 0
        if rest and start > len(ranked):
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM search_searchentry "  # noqa: S608
                f"WHERE {rest} LIMIT %(limit)s) AS found",
                {**params, "limit": start - len(ranked)},
            )
            extra = cursor.fetchone()[0]
        return len(ranked) + extra

    def _rows(self, cursor, uids, query, params, highlight):
        """Display columns of the page's rows, in `uids` order; `ts_headline` runs on these
        rows only."""
        if not uids:
            return []
        if highlight:
            columns = (
                f"ts_headline('{CONFIG}', title, {query}, '{TITLE_HEADLINE}'), "
                f"ts_headline('{CONFIG}', left(body, {HEADLINE_CHARS}), {query}, "
                f"'{BODY_HEADLINE}')"
            )
        else:
            columns = "'', ''"
        cursor.execute(
            f"SELECT uid, kind, title, url, date, topics, structure, {columns} "  # noqa: S608
            "FROM search_searchentry WHERE uid = ANY(%(uids)s)",
            {**params, "uids": uids},
        )
        by_uid = {row[0]: row for row in cursor.fetchall()}
        if highlight:
            plain = [uid for uid, row in by_uid.items() if START not in (row[-1] or "")]
            for uid, snippet in self._file_headlines(cursor, plain, query, params).items():
                by_uid[uid] = (*by_uid[uid][:-1], snippet)
        return [by_uid[uid] for uid in uids if uid in by_uid]

    def _file_headlines(self, cursor, uids, query, params) -> dict[str, str]:
        """For rows whose body shows no query word: the first attached file whose text holds
        one, as a snippet naming the file (already HTML)."""
        if not uids:
            return {}
        cursor.execute(
            "SELECT e.uid, f.value->>0, "  # noqa: S608
            f"ts_headline('{CONFIG}', left(f.value->>1, {HEADLINE_CHARS}), {query}, "
            f"'{BODY_HEADLINE}') "
            "FROM search_searchentry e, jsonb_array_elements(e.files) WITH ORDINALITY f "
            "WHERE e.uid = ANY(%(uids)s) "
            f"AND to_tsvector('{CONFIG}', left(f.value->>1, {HEADLINE_CHARS})) @@ {query} "
            "ORDER BY e.uid, f.ordinality",
            {**params, "uids": uids},
        )
        found: dict[str, str] = {}
        for uid, name, headline in cursor.fetchall():
            found.setdefault(uid, in_file_snippet(name, _marked(headline)))
        return found

    def _visible_count(self, cursor, query: str, principals) -> int:
        cursor.execute(
            "SELECT " + _exists(f"tsv @@ {QUERY} AND principals && %(principals)s::text[]"),
            {"q": query, "principals": sorted(principals)},
        )
        return int(cursor.fetchone()[0])

    def _visible_lexeme(self, cursor, lexeme: str, principals) -> bool:
        cursor.execute(
            "SELECT "
            + _exists(
                "tsv @@ plainto_tsquery('simple', %(lexeme)s) "
                "AND principals && %(principals)s::text[]"
            ),
            {"lexeme": lexeme, "principals": sorted(principals)},
        )
        return cursor.fetchone()[0]

    def _near(self, cursor, word: str, edits: int, principals) -> list[str]:
        """Lexemes of the index within `edits` of the word's stem (`levenshtein_less_equal`,
        same first letter, as the Whoosh backend), held by visible documents, closest
        first; [] when visible documents hold the word itself."""
        visible = _exists(
            "tsv @@ plainto_tsquery('simple', s) AND principals && %(principals)s::text[]"
        )
        cursor.execute(
            f"SELECT s, {visible} "  # noqa: S608
            f"FROM unnest(tsvector_to_array(to_tsvector('{CONFIG}', %(word)s))) AS s",
            {"word": word, "principals": sorted(principals)},
        )
        stems = cursor.fetchall()
        if len(stems) != 1 or stems[0][1]:
            return []
        stem = stems[0][0]
        cursor.execute(
            "SELECT term FROM (SELECT term, levenshtein_less_equal(term, %(stem)s, %(edits)s) "
            "AS distance FROM search_searchterm WHERE term >= %(first)s AND term < %(next)s "
            "AND length(term) BETWEEN %(shortest)s AND %(longest)s AND term <> %(stem)s) AS t "
            "WHERE distance <= %(edits)s ORDER BY distance, term LIMIT %(limit)s",
            {
                "stem": stem,
                "edits": edits,
                "first": stem[:1],
                "next": chr(ord(stem[:1]) + 1) if stem else "",
                "shortest": len(stem) - edits,
                "longest": len(stem) + edits,
                "limit": FUZZY_CANDIDATES,
            },
        )
        found = []
        for (term,) in cursor.fetchall():
            if self._visible_lexeme(cursor, term, principals):
                found.append(term)
                if len(found) == expansion.MAX_FUZZY_PER_WORD:
                    break
        return found

    def suggest(self, query: str, principals: frozenset[str]) -> str:
        """Each word found in no visible document is replaced by the closest word of a
        visible title: folded titles are found with the trigram operator `<%` (GIN index,
        at most SUGGEST_TITLES of them), their words compared with `similarity`. A candidate is kept
        only if visible documents contain it, and the result only if it finds something."""
        self._check()
        parsed = parse_query(query)
        words, changed = [], False
        with _tuned(**{"pg_trgm.word_similarity_threshold": SUGGEST_TRIGRAM_THRESHOLD}) as cursor:
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
                    "title_folded, '[^[:alnum:]]+') AS w FROM ("
                    "SELECT title_folded FROM search_searchentry WHERE %(word)s <%% title_folded "
                    "AND principals && %(principals)s::text[] LIMIT %(titles)s) AS titles) "
                    "AS words "
                    "WHERE length(w) > 2 AND w <> %(word)s AND similarity(w, %(word)s) > 0.3 "
                    "ORDER BY similarity(w, %(word)s) DESC, w LIMIT 5",
                    {
                        "principals": sorted(principals),
                        "word": fold(word),
                        "titles": SUGGEST_TITLES,
                    },
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


class _PlanSQL:
    """A query plan (`expansion.QueryPlan`) as tsquery expressions, with their parameters:
    `match` (any optional group, every quoted phrase, no excluded word), `all_words` (every
    group, fuzzy terms left out), `rank` and `highlight`."""

    def __init__(self, plan):
        self.params: dict[str, str] = {}
        groups, exact, weighted = [], [], {}
        for group in plan.optional:
            alternatives = [(a, self._alternative(group, a)) for a in group.alternatives]
            groups.append(_any(q for _a, q in alternatives))
            exact.append(_any(q for a, q in alternatives if a.source != expansion.FUZZY))
            for alternative, query in alternatives:
                # A term of several words weighs no more than one word: its weight is shared.
                words = 1
                if alternative.source in (expansion.FORM, expansion.SYNONYM):
                    words = max(1, len(french_tokens(alternative.text)))
                weighted.setdefault(alternative.weight / words, []).append(query)
        required = [self._alternative(g, a) for g in plan.required for a in g.alternatives]
        for query in required:
            weighted.setdefault(1.0, []).append(query)
        excluded = [
            f"websearch_to_tsquery('{CONFIG}', {self._value(' '.join(item.words))})"
            if not item.phrase
            else f"phraseto_tsquery('{CONFIG}', {self._value(' '.join(item.words))})"
            for item in plan.excluded
        ]
        self.empty = not groups and not required
        if self.empty:
            self.match = self.all_words = self.highlight = self.rank = ""
            return
        negation = f" && !!{_any(excluded)}" if excluded else ""
        # A quoted phrase decides on its own (the words only rank); else any word does.
        self.match = "(" + " && ".join(required or [_any(groups)]) + negation + ")"
        self.all_words = "(" + " && ".join(exact + required) + negation + ")"
        self.highlight = _any([*groups, *required])
        coverage = " + ".join(f"(tsv @@ {g})::int" for g in groups) or "0"
        relevance = (
            " + ".join(
                f"{weight} * ts_rank_cd(tsv, {_any(queries)}, 1)"
                for weight, queries in weighted.items()
            )
            or "0"
        )
        typed = [w for g in plan.optional for w in g.item.words]
        proximity = "1"
        if len(french_tokens(" ".join(typed))) > 1:
            phrase = f"phraseto_tsquery('{CONFIG}', {self._value(' '.join(typed))})"
            proximity = f"CASE WHEN tsv @@ {phrase} THEN {PROXIMITY_BOOST} ELSE 1 END"
        self.rank = (
            f"(({coverage}) * {COVERAGE_TIER} + ({relevance}) "
            f"* CASE WHEN answered THEN {ANSWERED_BOOST} ELSE 1 END * {proximity})"
        )

    def _value(self, value: str) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def _alternative(self, group, alternative) -> str:
        if alternative.source == expansion.FUZZY:
            return f"plainto_tsquery('simple', {self._value(alternative.text)})"
        if alternative.source == expansion.TYPED:
            return f"websearch_to_tsquery('{CONFIG}', {self._value(group.item.as_text())})"
        return f"plainto_tsquery('{CONFIG}', {self._value(alternative.text)})"


def _sampled(buckets: float) -> str:
    """The rows of about `buckets` of the SAMPLE_BUCKETS `sample` buckets (at least one
    eighth of bucket 0): a pseudo-random, stable subset the full-text indexes find without
    reading other rows. Below one bucket, three more bits of the same hash pick eighths of
    bucket 0, so that a word in 90,000 documents ranks about 200 of them, not 1,400."""
    if buckets >= 1:
        return f"sample < {int(buckets)}::smallint"
    eighths = max(1, int(buckets * 8))
    return f"(sample < 1::smallint AND (hashtext(uid) >> 6) & 7 < {eighths})"


def _first(where: str, limit: str) -> str:
    """The uids of `limit` rows matching `where` (which, no matter), from the first
    PROBE_BUCKETS `sample` buckets before the others: the `LIMIT` stops the scan before the
    second part's bitmap is built when the first part has enough. (A bitmap over a frequent
    word's 90,000 postings costs tens of milliseconds.) Each part has one bound on `sample`:
    in the GIN index each bound is a key of its own, matching every bucket on its side."""
    return (
        f"SELECT uid FROM ((SELECT uid FROM search_searchentry WHERE {where} "  # noqa: S608
        f"AND sample < {PROBE_BUCKETS}::smallint) UNION ALL "
        f"(SELECT uid FROM search_searchentry WHERE {where} "
        f"AND sample >= {PROBE_BUCKETS}::smallint)) AS first LIMIT {limit}"
    )


def _any(queries) -> str:
    queries = list(queries)
    return queries[0] if len(queries) == 1 else "(" + " || ".join(queries) + ")"


@contextmanager
def _tuned(**settings):
    """A cursor in a transaction whose statements run without JIT (compiling costs more than
    these queries) and with the given settings (`set_config(..., true)`, i.e. SET LOCAL).
    Inside an outer transaction no savepoint is made and the previous values are restored
    at the end, so nothing leaks to the caller's queries (after an error the outer
    transaction must roll back anyway, which reverts them)."""
    settings = {"jit": "off", "work_mem": "32MB", **settings}
    names = list(settings)
    nested = connection.in_atomic_block
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # Select-list items are evaluated in order: the old values are read before the new
        # ones are set.
        cursor.execute(
            "SELECT "
            + ", ".join(["current_setting(%s, true)"] * len(names))
            + ", "
            + ", ".join(["set_config(%s, %s, true)"] * len(names)),
            [*names, *(x for name in names for x in (name, str(settings[name])))],
        )
        before = dict(zip(names, cursor.fetchone()[: len(names)], strict=True))
        yield cursor
        restore = {name: value for name, value in before.items() if value is not None}
        if nested and restore:
            cursor.execute(
                "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(restore)),
                [x for item in restore.items() for x in item],
            )

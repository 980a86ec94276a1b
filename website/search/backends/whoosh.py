"""The embedded Whoosh backend: one index on local disk, for a single app server.

Layout of `settings.SEARCH_INDEX_DIR`:
    current            symlink to the live index folder (swapped atomically by `rebuild`)
    index-<stamp>/     index folders; the live one and the previous one are kept
    journal.lock       flock serialising the rebuild switch with incremental writers
    rebuilding         present while a rebuild runs; writers then also note their uids in
    journal            …this file, replayed into the new index just before it goes live

Rules from `shared/research/whoosh-study.md`, each measured there:
* every writer is `writer(timeout=…, compound=False)`: it waits for the lock instead of
  failing, and compound segments would copy the index into RAM for every searcher;
* searchers are reopened when `up_to_date()` is false, never `refresh()`ed;
* the permission filter is a `BitSet` cached per (searcher, principals), not a query;
* facets are counted apart from the scored, limited query (`groupedby` disables `limit`).
"""

import contextlib
import fcntl
import html
import logging
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.highlight import (
    ContextFragmenter,
    Formatter,
    Highlighter,
    WholeFragmenter,
    get_text,
)
from whoosh.idsets import BitSet
from whoosh.query import And, AndNot, NullQuery, Or, Phrase, Term

from website.search.analysis import (
    french_analyzer,
    french_tokens,
    name_analyzer,
    name_tokens,
    parse_query,
)
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

logger = logging.getLogger(__name__)

WRITE_TIMEOUT = 120.0  # seconds a writer waits for the lock (a large batch may hold it)
TITLE_BOOST = 3.0
NAME_BOOST = 2.5
# Snippets come from the first characters of the body (question, then accepted answers):
# highlighting re-analyses the stored text, so a long one costs milliseconds per hit.
STORED_BODY_CHARS = 3_000
SNIPPET_CHARS = 240


def build_schema() -> Schema:
    french = french_analyzer()
    return Schema(
        uid=ID(stored=True, unique=True),
        kind=ID(stored=True, sortable=True),
        title=TEXT(analyzer=french, stored=True, spelling=True),
        body=TEXT(analyzer=french, stored=True),
        names=TEXT(analyzer=name_analyzer(), stored=True),
        topic_names=TEXT(analyzer=french),
        topics=KEYWORD(stored=True, commas=True),
        topicset=ID(sortable=True),  # the same, as one column value, for facet counting
        structure=ID(stored=True, sortable=True),
        year=ID(sortable=True),
        date=DATETIME(stored=True, sortable=True),
        acl=KEYWORD(stored=True, commas=True),
        url=STORED(),
        fingerprint=STORED(),
    )


class MarkFormatter(Formatter):
    """Matched words in `<mark>`, everything else HTML-escaped."""

    between = " … "

    def _text(self, text):
        return html.escape(text, quote=False)

    def format_token(self, text, token, replace=False):
        return "<mark>" + html.escape(get_text(text, token, replace), quote=False) + "</mark>"


def _fields_of(doc: SearchDocument) -> dict:
    fields = {
        "uid": doc.uid,
        "kind": doc.kind,
        "title": doc.title,
        "body": doc.body,
        "_stored_body": doc.body[:STORED_BODY_CHARS],
        "names": doc.names,
        "topic_names": doc.topic_names,
        "topics": ",".join(doc.topics),
        "topicset": ",".join(doc.topics),
        "structure": doc.structure,
        "year": doc.year,
        "acl": ",".join(doc.acl),
        "url": doc.url,
        "fingerprint": doc.fingerprint(),
    }
    if doc.date:
        date = doc.date.astimezone(UTC) if doc.date.tzinfo else doc.date
        fields["date"] = date.replace(tzinfo=None)
    return fields


class _OpenIndex:
    """One thread's searcher on one index folder, with its permission filters."""

    def __init__(self, path: str):
        self.path = path
        self.index = whoosh_index.open_dir(path)
        self.searcher = self.index.searcher()
        self.acl_cache: dict[frozenset[str], BitSet] = {}

    def close(self):
        with contextlib.suppress(Exception):
            self.searcher.close()


class WhooshBackend:
    name = "whoosh"

    def __init__(self, root):
        self.root = Path(root)
        self.schema = build_schema()
        self._local = threading.local()
        self._cleaned: set[str] = set()

    # --- Paths and locks ---------------------------------------------------------------------

    @property
    def current_link(self) -> Path:
        return self.root / "current"

    def current_path(self) -> str | None:
        if not self.current_link.exists():
            return None
        return os.path.realpath(self.current_link)

    @contextlib.contextmanager
    def _journal_lock(self):
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "journal.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _writer(self, ix):
        return ix.writer(timeout=WRITE_TIMEOUT, delay=0.05, compound=False, limitmb=128)

    # --- State --------------------------------------------------------------------------------

    def state(self) -> str:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError:
            return "unavailable"
        if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
            return "unavailable"
        path = self.current_path()
        if path is None:
            return "rebuilding" if (self.root / "rebuilding").exists() else "missing"
        try:
            self._open()
        except IndexUnavailable as error:
            return str(error) or "corrupt"
        return "ok"

    def close(self):
        opened = getattr(self._local, "opened", None)
        if opened:
            opened.close()
            self._local.opened = None

    def _open(self) -> _OpenIndex:
        """This thread's searcher, reopened when the index changed or was swapped."""
        path = self.current_path()
        if path is None:
            self.close()
            raise IndexUnavailable(
                "rebuilding" if (self.root / "rebuilding").exists() else "missing"
            )
        opened = getattr(self._local, "opened", None)
        if opened is not None:
            try:
                if opened.path == path and opened.searcher.up_to_date():
                    return opened
            except Exception:  # noqa: S110 — the folder vanished: reopen below
                pass
            opened.close()
            self._local.opened = None
        try:
            opened = _OpenIndex(path)
        except Exception as error:
            logger.exception("Search index %s cannot be opened", path)
            raise IndexUnavailable("corrupt") from error
        if set(opened.index.schema.names()) != set(self.schema.names()):
            # Written by an older version of this code: `search_check --repair` rebuilds it.
            opened.close()
            raise IndexUnavailable("outdated")
        self._local.opened = opened
        return opened

    def _allowed(self, opened: _OpenIndex, principals: frozenset[str]) -> BitSet:
        bits = opened.acl_cache.get(principals)
        if bits is None:
            searcher = opened.searcher
            query = Or([Term("acl", p) for p in sorted(principals)]) if principals else NullQuery
            bits = BitSet(searcher.docs_for_query(query), size=searcher.doc_count_all())
            if len(opened.acl_cache) > 64:
                opened.acl_cache.clear()
            opened.acl_cache[principals] = bits
        return bits

    # --- Writing ------------------------------------------------------------------------------

    def _create(self, folder: Path):
        folder.mkdir(parents=True)
        return whoosh_index.create_in(str(folder), self.schema)

    def _target(self, uids: list[str]):
        """The live index (or None), after noting uids for a rebuild in progress."""
        if not self.root.is_dir():
            return None  # never built (or deleted): the next rebuild reads everything
        with self._journal_lock():
            if (self.root / "rebuilding").exists():
                with open(self.root / "journal", "a") as journal:
                    journal.write("".join(f"{uid}\n" for uid in uids))
            return self.current_path()

    def remove_commit_leftovers(self, path: str, writer=None) -> list[str]:
        """Delete what a commit killed mid-way left (measured: `_*.toc.*` temp files).

        Only while holding the write lock (a running commit's temp TOC looks the same): with
        the caller's `writer`, or with one taken here, whose empty commit then lets Whoosh's
        `clean_files` remove orphan segment files."""
        own = writer is None
        if own:
            writer = self._writer(whoosh_index.open_dir(path))
        removed = []
        for name in os.listdir(path):
            if name.startswith("_") and ".toc." in name:
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(path, name))
                    removed.append(name)
        if own:
            if removed:
                writer.commit(merge=False)
            else:
                writer.cancel()
        return removed

    def write(self, documents: Iterable[SearchDocument], delete_uids: Iterable[str] = ()):
        """Apply one batch (updates and deletions) in one commit."""
        documents = list(documents)
        delete_uids = list(delete_uids)
        uids = [d.uid for d in documents] + delete_uids
        if not uids:
            return
        path = self._target(uids)
        if path is None:
            logger.warning("Search index missing: %d update(s) left to the rebuild", len(uids))
            return
        ix, documents, delete_uids = self._open_for_write(path, documents, delete_uids)
        if not documents and not delete_uids:
            return
        writer = self._writer(ix)
        try:
            if path not in self._cleaned:
                # Start-up of this process's writer; this commit cleans orphan segments.
                self._cleaned.add(path)
                self.remove_commit_leftovers(path, writer)
            for uid in delete_uids:
                writer.delete_by_term("uid", uid)
            for doc in documents:
                writer.update_document(**_fields_of(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def _open_for_write(self, path, documents, delete_uids, attempts=10):
        """Open the newest generation and keep only the real changes.

        This read happens before the write lock is taken, so another process's commit may
        remove the generation being opened (its TOC or segment files vanish): read the newer
        one. Under the lock, the writer itself reads the index again.
        """
        for attempt in range(attempts):
            try:
                ix = whoosh_index.open_dir(path)
                return (ix, *self._changes_only(ix, documents, delete_uids))
            except FileNotFoundError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.05)

    def _changes_only(self, ix, documents, delete_uids):
        """Skip documents the index already holds unchanged (a repeated task costs a lookup,
        not an `update_document`, which is slow on a large index)."""
        with ix.searcher() as searcher:
            changed = []
            for doc in documents:
                stored = searcher.document(uid=doc.uid)
                if not stored or stored.get("fingerprint") != doc.fingerprint():
                    changed.append(doc)
            present = [uid for uid in delete_uids if searcher.document_number(uid=uid) is not None]
        return changed, present

    def index(self, documents: Iterable[SearchDocument]) -> None:
        self.write(documents)

    def delete(self, uids: Iterable[str]) -> None:
        self.write((), uids)

    def rebuild(self, documents: Iterable[SearchDocument], replay=None) -> int:
        """Build a fresh index beside the live one, then switch `current` atomically.

        `replay(uids)` returns the documents (and the uids to drop) for updates that reached
        the old index while this rebuild was running.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with self._journal_lock():
            (self.root / "rebuilding").write_text(str(os.getpid()))
            (self.root / "journal").write_text("")
        stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000:06d}"
        folder = self.root / f"index-{stamp}"
        try:
            ix = self._create(folder)
            writer = ix.writer(compound=False, limitmb=256)
            count = 0
            try:
                for doc in documents:
                    writer.add_document(**_fields_of(doc))
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            with self._journal_lock():
                journal = (self.root / "journal").read_text().split()
                if journal and replay is not None:
                    docs, gone = replay(sorted(set(journal)))
                    writer = self._writer(ix)
                    for uid in gone:
                        writer.delete_by_term("uid", uid)
                    for doc in docs:
                        writer.update_document(**_fields_of(doc))
                    writer.commit()
                temporary = self.root / f"current.{stamp}"
                os.symlink(folder.name, temporary)
                os.replace(temporary, self.current_link)
                (self.root / "journal").unlink(missing_ok=True)
                (self.root / "rebuilding").unlink(missing_ok=True)
        except BaseException:
            with self._journal_lock():
                (self.root / "rebuilding").unlink(missing_ok=True)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._remove_old_folders(keep={folder.name})
        return count

    def _remove_old_folders(self, keep: set[str]):
        """Keep the live folder and the one before it (a searcher may still read it)."""
        folders = sorted(p for p in self.root.glob("index-*") if p.is_dir())
        for old in folders[:-2]:
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def repair(self) -> list[str]:
        done = []
        with self._journal_lock():
            marker = self.root / "rebuilding"
            if marker.exists():
                pid = marker.read_text().strip()
                if not pid.isdigit() or not Path(f"/proc/{pid}").exists():
                    marker.unlink()
                    done.append("stale rebuild marker removed")
        path = self.current_path()
        if path:
            try:
                removed = self.remove_commit_leftovers(path)
            except Exception:
                # Unreadable: `search_check --repair` rebuilds it (state "corrupt").
                logger.warning("Search index %s cannot be cleaned; a rebuild will replace it", path)
                removed = []
            if removed:
                done.append(f"removed {len(removed)} leftover file(s) of a crashed commit")
        return done

    # --- Reading ------------------------------------------------------------------------------

    def entries(self) -> Iterator[IndexEntry]:
        opened = self._open()
        for fields in opened.searcher.all_stored_fields():
            yield IndexEntry(uid=fields["uid"], fingerprint=fields.get("fingerprint", ""))

    def _word_query(self, word: str, *, boost_title=True):
        french = french_tokens(word)
        if not french:
            return None  # a stop word (or an elided article) is not searched
        names = name_tokens(word)
        clauses = []
        if french:
            per_field = []
            for fieldname, boost in (
                ("title", TITLE_BOOST if boost_title else 1.0),
                ("body", 1.0),
                ("topic_names", 1.5),
            ):
                terms = [Term(fieldname, t, boost=boost) for t in french]
                per_field.append(terms[0] if len(terms) == 1 else And(terms))
            clauses.extend(per_field)
        if names:
            terms = [Term("names", t, boost=NAME_BOOST) for t in names]
            clauses.append(terms[0] if len(terms) == 1 else And(terms))
        if not clauses:
            return None
        return Or(clauses)

    def _phrase_query(self, words: tuple[str, ...]):
        text = " ".join(words)
        french = french_tokens(text)
        names = name_tokens(text)
        clauses = []
        if len(french) > 1:
            clauses.append(Phrase("title", french, boost=TITLE_BOOST))
            clauses.append(Phrase("body", french))
        elif french:
            clauses += [Term("title", french[0], boost=TITLE_BOOST), Term("body", french[0])]
        if len(names) > 1:
            clauses.append(Phrase("names", names, boost=NAME_BOOST))
        return Or(clauses) if clauses else None

    def build_query(self, text: str, *, any_word=False):
        parsed = parse_query(text)
        positive = []
        for item in parsed.positive:
            query = (
                self._phrase_query(item.words) if item.phrase else self._word_query(item.words[0])
            )
            if query is not None:
                positive.append(query)
        if not positive:
            return None
        query = Or(positive) if any_word else And(positive)
        negative = [
            q
            for item in parsed.negative
            if (
                q := self._phrase_query(item.words)
                if item.phrase
                else self._word_query(item.words[0])
            )
        ]
        if negative:
            query = AndNot(query, Or(negative))
        return query

    def search(self, request: SearchRequest) -> SearchResults:
        opened = self._open()
        searcher = opened.searcher
        query = self.build_query(request.query)
        if query is None:
            return SearchResults(hits=[], total=0, page=1, page_count=1)
        allowed = self._allowed(opened, request.principals)
        filter_terms = []
        for fieldname, value in request.filters.items():
            if value:
                filter_terms.append(Term(fieldname, value))
        if filter_terms:
            narrowed = BitSet(
                searcher.docs_for_query(And(filter_terms)), size=searcher.doc_count_all()
            )
            allowed = allowed.intersection(narrowed)
        if not len(allowed):
            # Whoosh reads an empty filter as "no filter": nothing is allowed, nothing found.
            return SearchResults(hits=[], total=0, page=1, page_count=1, facets={})
        sort = {"sortedby": "date", "reverse": True} if request.sort == "date" else {}
        page = max(1, request.page)
        matched = None
        if request.facets:
            # One unscored pass gives the facet counts and the exact total; the ranked,
            # limited search below then never has to count every match again.
            matched = [d for d in searcher.docs_for_query(query) if d in allowed]
        results = searcher.search(query, limit=page * request.per_page, filter=allowed, **sort)
        total = len(matched) if matched is not None else len(results)
        page_count = max(1, -(-total // request.per_page))
        if page > page_count:
            page = page_count
            results = searcher.search(query, limit=page * request.per_page, filter=allowed, **sort)
        start = (page - 1) * request.per_page
        hits = []
        if request.highlight:
            results.fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
            results.formatter = MarkFormatter()
            title_highlighter = Highlighter(fragmenter=WholeFragmenter(), formatter=MarkFormatter())
        for hit in results[start : start + request.per_page]:
            stored = hit.fields()
            title = stored.get("title", "")
            body = stored.get("body", "")
            title_html = snippet_html = ""
            if request.highlight:
                title_html = title_highlighter.highlight_hit(hit, "title", top=1, minscore=1)
                snippet_html = hit.highlights("body", top=2)
                if not snippet_html and stored.get("names"):
                    snippet_html = hit.highlights("names", top=1)
            hits.append(
                Hit(
                    uid=stored["uid"],
                    kind=stored.get("kind", ""),
                    title=title,
                    url=stored.get("url", ""),
                    title_html=title_html or html.escape(title),
                    snippet_html=snippet_html or html.escape(_shorten(body)),
                    date=_utc(stored.get("date")),
                    topics=tuple(t for t in stored.get("topics", "").split(",") if t),
                    structure=stored.get("structure", ""),
                    score=float(hit.score or 0.0),
                )
            )
        facets = self._facets(searcher, matched) if matched is not None else {}
        return SearchResults(
            hits=hits, total=total, page=page, page_count=page_count, facets=facets
        )

    def _facets(self, searcher, matched: list[int]) -> dict[str, list[FacetValue]]:
        """Counts over every visible match, read from the sortable columns."""
        counters: dict[str, Counter] = {}
        reader = searcher.reader()
        for fieldname in ("kind", "structure", "year"):
            column = reader.column_reader(fieldname, translate=True)
            counter = Counter(column[d] for d in matched)
            counter.pop("", None)
            counters[fieldname] = counter
        topics = Counter()
        column = reader.column_reader("topicset", translate=True)
        for docnum in matched:
            value = column[docnum]
            if value:
                topics.update(value.split(","))
        counters["topics"] = topics
        return {
            name: [FacetValue(value=v, count=c) for v, c in counter.most_common()]
            for name, counter in counters.items()
        }

    def similar(self, text, principals, *, kinds, limit) -> list[SimilarHit]:
        opened = self._open()
        searcher = opened.searcher
        query = self.build_query(text, any_word=True)
        if query is None:
            return []
        allowed = self._allowed(opened, principals)
        if kinds:
            of_kind = BitSet(
                searcher.docs_for_query(Or([Term("kind", k) for k in kinds])),
                size=searcher.doc_count_all(),
            )
            allowed = allowed.intersection(of_kind)
        if not len(allowed):
            return []
        results = searcher.search(query, limit=limit, filter=allowed)
        return [
            SimilarHit(
                uid=hit["uid"],
                title=hit.get("title", ""),
                url=hit.get("url", ""),
                kind=hit.get("kind", ""),
                score=float(hit.score or 0.0),
            )
            for hit in results
        ]

    def suggest(self, query: str, principals: frozenset[str]) -> str:
        """Replace each word missing from the index by the closest spelling that some
        visible document contains; offer the result only if it finds visible documents."""
        opened = self._open()
        searcher = opened.searcher
        reader = searcher.reader()
        allowed = self._allowed(opened, principals)
        if not len(allowed):
            return ""
        parsed = parse_query(query)
        changed = False
        words = []
        for item in parsed.items:
            if item.phrase or item.negated:
                words.append(item.as_text())
                continue
            word = item.words[0]
            tokens = french_tokens(word)
            known = (
                not tokens
                or any(
                    reader.doc_frequency(f, t)
                    for t in tokens
                    for f in ("title", "body", "topic_names")
                )
                or any(reader.doc_frequency("names", t) for t in name_tokens(word))
            )
            if known:
                words.append(word)
                continue
            replacement = ""
            for candidate in searcher.suggest("title", word, limit=5, maxdist=2):
                probe = self._word_query(candidate)
                if probe is not None and searcher.search(probe, limit=1, filter=allowed):
                    replacement = candidate
                    break
            if replacement:
                changed = True
                words.append(replacement)
            else:
                words.append(word)
        if not changed:
            return ""
        corrected = " ".join(words)
        probe = self.build_query(corrected)
        if probe is None or not searcher.search(probe, limit=1, filter=allowed):
            return ""
        return corrected


def _utc(value):
    """Whoosh stores naive datetimes: they are UTC (see `_fields_of`)."""
    return value.replace(tzinfo=UTC) if value is not None else None


def _shorten(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    return text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"

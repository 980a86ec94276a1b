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
* permissions are never a query: each principal's documents are a set cached per searcher;
* facets are counted apart from the scored, limited query (`groupedby` disables `limit`).

Which documents match (the total, the facets, the permission check) is computed with sets
and the hits are ranked with BM25 over the visible matches only (`whoosh_matching.py`);
snippets are highlighted from the stored start of the body.
"""

import contextlib
import fcntl
import html
import itertools
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC
from pathlib import Path

import numpy as np
from django.conf import settings
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.highlight import (
    BasicFragmentScorer,
    ContextFragmenter,
    Formatter,
    WholeFragmenter,
    get_text,
    highlight,
)
from whoosh.query import And, AndNot, Or, Phrase, Term
from whoosh.util.numeric import byte_to_length

from directory.text import fold
from website.search import expansion
from website.search.analysis import (
    FrenchAnalyzer,
    french_analyzer,
    french_tokens,
    name_analyzer,
    name_tokens,
    parse_query,
)
from website.search.backends.whoosh_matching import (
    Matching,
    SegmentCache,
    has_phrase,
    scored_terms,
    without_phrases,
)
from website.search.backends.whoosh_writing import (
    GroupedSegmentWriter,
    RebuildWriter,
    _length_table,
    rebuild_collector,
)
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

logger = logging.getLogger(__name__)
_FRENCH = french_analyzer()
_NAMES = name_analyzer()

WRITE_TIMEOUT = 120.0  # seconds a writer waits for the lock (a large batch may hold it)
# The title is written this many times into `content`: a word of the title counts as
# that many occurrences in the ranking (BM25), one field to read instead of two.
TITLE_WEIGHT = 3
NAME_BOOST = 2.5
# Snippets come from the first characters of the body (question, then accepted answers):
# highlighting re-analyses the stored text, so a long one costs milliseconds per hit.
STORED_BODY_CHARS = 3_000
SNIPPET_CHARS = 240
# A phrase with more candidates (documents holding all its words) than this is checked in
# batches, in the page's order, until the page is full and enough were checked to estimate
# the total (`_search_phrase_sample`).
PHRASE_CHECK_LIMIT = 500
PHRASE_SAMPLE = 200
PHRASE_BATCH = 200
# …and only this many candidates are put in order first (all of them if that is not enough).
PHRASE_ORDER_WINDOW = 1_000
# A rebuild of at least this many documents uses `settings.SEARCH_REBUILD_PROCS` processes.
PARALLEL_FROM = 5_000


# Ranking (issue 12): documents are ordered by the number of query words they hold (a
# tier each), then by BM25; a thread with an accepted or validated answer weighs a little
# more, and among the best hits those holding the typed words side by side more again.
COVERAGE_TIER = 10_000.0
ANSWERED_BOOST = 1.15
PROXIMITY_BOOST = 1.5
PROXIMITY_WINDOW = 50
# Typo tolerance: at most this many close terms are checked for visibility per word.
FUZZY_CANDIDATES = 12

SCHEMA_VERSION = "4"  # written beside each index; another value means "rebuild it"
VERSION_FILE = "schema-version"


def _cached_length_reader(self, fieldname, column):
    """`W3PerDocReader._cached_reader` remembering a missing length column too: Whoosh 2.7.4
    looks for it on disk (one `stat`) at every posting of a field that stores no lengths
    (ID, KEYWORD), which a rebuild's commit asks for each posting of each document (15
    `stat` calls per document, a tenth of the rebuild's CPU time, measured). A segment's
    files never change once written, so the answer holds for the reader's life."""
    if fieldname not in self._readers:
        has = self.has_column(fieldname)
        self._readers[fieldname] = self.column_reader(fieldname, column) if has else None
    return self._readers[fieldname]


W3PerDocReader._cached_reader = _cached_length_reader


def _doc_field_length(self, docnum, fieldname, default=0):
    """`W3PerDocReader.doc_field_length` from the field's length bytes read at once: a
    commit asks it for every posting it writes (one column read and `seek` each, a tenth of
    a rebuild's writing time, measured); the answers are the same."""
    if docnum > self._doccount:
        raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
    tables = self.__dict__.setdefault("_length_tables", {})
    table = tables.get(fieldname)
    if table is None:
        table = tables[fieldname] = _length_table(self, fieldname)
    if table is False:
        return default
    lbyte = table[docnum] if docnum < len(table) else 0
    if lbyte:
        return byte_to_length(lbyte)
    return None  # as Whoosh does for a stored length of 0


WHOOSH_DOC_FIELD_LENGTH = W3PerDocReader.doc_field_length  # Whoosh's own, for the tests
W3PerDocReader.doc_field_length = _doc_field_length


class FrenchText(TEXT):
    """A `TEXT` field whose indexing (what a rebuild spends most on) skips Whoosh's generic
    path when it can: the analyzer groups positions by term in one loop
    (`FrenchAnalyzer.term_positions`) and each list of positions is encoded once per distinct
    list (most terms occur once in a document, at one of a few hundred positions). The
    postings are the same bytes as `TEXT.index` gives (`tests/search/test_analysis.py`).

    The index's table of contents pickles its schema, so this class must stay importable
    under this name (an index that cannot be opened is rebuilt, state "corrupt")."""

    ENCODED_CACHE_SIZE = 100_000

    def index(self, value, **kwargs):
        analyzer = self.analyzer
        if (
            kwargs
            or not isinstance(value, str)
            or type(self.format) is not Positions
            or not isinstance(analyzer, FrenchAnalyzer)
        ):
            yield from super().index(value, **kwargs)
            return
        encode = self.format.encode
        boost = self.format.field_boost
        encoded = _ENCODED_POSITIONS
        if len(encoded) > self.ENCODED_CACHE_SIZE:
            encoded.clear()
        for term, positions in analyzer.term_positions(value).items():
            key = tuple(positions)
            value_bytes = encoded.get(key)
            if value_bytes is None:
                value_bytes = encoded[key] = encode(positions)
            count = len(positions)
            yield term.encode("utf-8"), count, float(count) * boost, value_bytes


# Encoded position lists (`Positions.encode`), shared by the fields of one process.
_ENCODED_POSITIONS: dict[tuple[int, ...], bytes] = {}


def build_schema() -> Schema:
    """What is searched: `content` (the title, repeated to weigh more, the body and the topic
    names, stemmed) and `names` (people, functions, structures: folded, never stemmed).
    `title` (stemmed, no positions) serves similar questions and, through its spelling
    words, "did you mean". Everything else is shown, filtered or counted.

    Measured on 105,000 documents: one searched text field instead of three (title, body,
    topic names) halves the posting lists a word reads, and the date is a column only (an
    indexed DATETIME adds eight postings per document, 15 % of a rebuild)."""
    french = french_analyzer()
    return Schema(
        uid=ID(stored=True, unique=True),
        kind=ID(stored=True, sortable=True),
        content=FrenchText(analyzer=french),
        title=TEXT(analyzer=french, stored=True, spelling=True, phrase=False),
        body=STORED(),  # the start of the body, for snippets
        files=STORED(),  # (name, start of the text) of each attached file, for snippets
        names=TEXT(analyzer=name_analyzer(), stored=True),
        topics=KEYWORD(stored=True, commas=True),
        topicset=ID(sortable=True),  # the same, as one column value, for facet counting
        structure=ID(stored=True, sortable=True),
        year=ID(sortable=True),
        date=COLUMN(NumericColumn("q", default=0)),  # UTC microseconds, for sorting
        answered=COLUMN(NumericColumn("B", default=0)),  # 1: accepted or validated answer
        shown_date=STORED(),
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
    content = [doc.title] * TITLE_WEIGHT + [doc.body, doc.topic_names]
    content += [f"{name}\n{text}" for name, text in doc.files]
    fields = {
        "uid": doc.uid,
        "kind": doc.kind,
        "content": "\n".join(content),
        "title": doc.title,
        "body": doc.body[:STORED_BODY_CHARS],
        "files": [(name, text[:STORED_BODY_CHARS]) for name, text in doc.files],
        "names": doc.names,
        "topics": ",".join(doc.topics),
        "topicset": ",".join(doc.topics),
        "structure": doc.structure,
        "year": doc.year,
        "acl": ",".join(doc.acl),
        "url": doc.url,
        "fingerprint": doc.fingerprint(),
        "answered": int(doc.answered),
    }
    if doc.date:
        date = doc.date.astimezone(UTC) if doc.date.tzinfo else doc.date.replace(tzinfo=UTC)
        fields["date"] = int(date.timestamp() * 1_000_000)
        fields["shown_date"] = date
    return fields


class _OpenIndex:
    """One thread's searcher on one index folder, with what it caches: the documents each
    set of principals may see."""

    def __init__(self, path: str, cache: SegmentCache):
        self.path = path
        self.index = whoosh_index.open_dir(path)
        self.searcher = self.index.searcher()
        cache.prune(self.searcher)
        self.matching = Matching(self.searcher, cache)
        self._allowed: dict[frozenset[str], np.ndarray] = {}

    def allowed(self, principals: frozenset[str]) -> np.ndarray:
        """Documents sharing a principal with the user (one byte per document, cached)."""
        mask = self._allowed.get(principals)
        if mask is None:
            if len(self._allowed) > 64:
                self._allowed.clear()  # one entry per user seen: keep it bounded
            mask = np.zeros(self.matching.size, dtype=bool)
            for principal in principals:
                mask |= self.matching.term("acl", principal)
            self._allowed[principals] = mask
        return mask

    def close(self):
        with contextlib.suppress(Exception):
            self.searcher.close()


class WhooshBackend:
    name = "whoosh"

    def __init__(self, root):
        self.root = Path(root)
        self.schema = build_schema()
        self._local = threading.local()
        self._cache = SegmentCache()
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
            opened = _OpenIndex(path, self._cache)
        except Exception as error:
            logger.exception("Search index %s cannot be opened", path)
            raise IndexUnavailable("corrupt") from error
        if _schema_version(path) != SCHEMA_VERSION:
            # Written by an older version of this code: `search_check --repair` rebuilds it.
            opened.close()
            raise IndexUnavailable("outdated")
        self._local.opened = opened
        return opened

    # --- Writing ------------------------------------------------------------------------------

    def _create(self, folder: Path):
        folder.mkdir(parents=True)
        (folder / VERSION_FILE).write_text(SCHEMA_VERSION)
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
            count = self._fill(ix, documents)
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

    def _fill(self, ix, documents: Iterable[SearchDocument]) -> int:
        """Write every document into the new index; several processes for a large one.

        Whoosh's multiprocess writer (`RebuildWriter`, whose processes group postings by
        term: `whoosh_writing.py`) lets this process read the database and build documents
        while `procs` child processes analyse and write one segment each (measured at
        100,000 documents: 0.21 ms per document to build, 0.6 ms to index). A small index
        is written by one `GroupedSegmentWriter`: starting processes would cost more than
        it saves. The garbage collector is tuned meanwhile (`rebuild_collector`).
        """
        with rebuild_collector():
            return self._write_all(ix, iter(documents))

    def _write_all(self, ix, documents: Iterator[SearchDocument]) -> int:
        head = list(itertools.islice(documents, PARALLEL_FROM))
        procs = settings.SEARCH_REBUILD_PROCS
        if procs > 1 and len(head) == PARALLEL_FROM:
            writer = RebuildWriter(
                ix,
                procs=procs,
                multisegment=True,
                batchsize=250,
                compound=False,
                limitmb=settings.SEARCH_REBUILD_LIMITMB,
            )
        else:
            writer = GroupedSegmentWriter(ix, compound=False, limitmb=256)
        count = 0
        try:
            for doc in itertools.chain(head, documents):
                writer.add_document(**_fields_of(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        written = ix.doc_count()
        if written != count:
            # A child process that died would silently drop its share: refuse the index.
            raise RuntimeError(f"Search rebuild wrote {written} of {count} documents")
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

    def _word_query(self, word: str, reader=None):
        """A word in the text, or in a name (only where some name holds it)."""
        french = french_tokens(word)
        if not french:
            return None  # a stop word (or an elided article) is not searched
        terms = [Term("content", t) for t in french]
        clauses = [terms[0] if len(terms) == 1 else And(terms)]
        names = [Term("names", t, boost=NAME_BOOST) for t in name_tokens(word)]
        if names and (reader is None or all(("names", t.text) in reader for t in names)):
            clauses.append(names[0] if len(names) == 1 else And(names))
        return clauses[0] if len(clauses) == 1 else Or(clauses)

    def _phrase_query(self, words: tuple[str, ...], reader=None):
        text = " ".join(words)
        french = french_tokens(text)
        names = name_tokens(text)
        clauses = []
        if len(french) > 1:
            clauses.append(Phrase("content", french))
        elif french:
            clauses.append(Term("content", french[0]))
        if len(names) > 1 and (reader is None or all(("names", t) in reader for t in names)):
            clauses.append(Phrase("names", names, boost=NAME_BOOST))
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else Or(clauses)

    def _item_query(self, item, reader=None):
        if item.phrase:
            return self._phrase_query(item.words, reader)
        return self._word_query(item.words[0], reader)

    def build_query(self, text: str, reader=None):
        """Every word (or phrase) required, `-word` excluded; None when nothing is searched.
        (What a corrected query must find; the search itself ranks any-word matches.)"""
        parsed = parse_query(text)
        positive = [q for item in parsed.positive if (q := self._item_query(item, reader))]
        if not positive:
            return None
        query = positive[0] if len(positive) == 1 else And(positive)
        negative = [q for item in parsed.negative if (q := self._item_query(item, reader))]
        if negative:
            query = AndNot(query, Or(negative))
        return query

    def _alternative_query(self, group, alternative, reader):
        """One alternative of a group, its weight as the terms' boost."""
        if alternative.source == expansion.FUZZY:
            return Term("content", alternative.text, boost=alternative.weight)
        if alternative.source == expansion.TYPED:
            return self._item_query(group.item, reader)
        # A term of several words weighs no more than one word: its weight is shared.
        stems = french_tokens(alternative.text)
        terms = [Term("content", t, boost=alternative.weight / len(stems)) for t in stems]
        if not terms:
            return None
        return terms[0] if len(terms) == 1 else And(terms)

    def _group_query(self, group, reader, *, fuzzy=True):
        clauses = [
            q
            for a in group.alternatives
            if (fuzzy or a.source != expansion.FUZZY)
            and (q := self._alternative_query(group, a, reader)) is not None
        ]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else Or(clauses)

    def plan(self, opened: "_OpenIndex", text: str, principals):
        return expansion.plan(
            text, near=lambda word, edits: self._near(opened, word, edits, principals)
        )

    def search(self, request: SearchRequest) -> SearchResults:
        opened = self._open()
        searcher = opened.searcher
        matching = opened.matching
        reader = searcher.reader()
        plan = self.plan(opened, request.query, request.principals)
        optional = [
            (g, q, self._group_query(g, reader, fuzzy=False) if _has_fuzzy(g) else None)
            for g in plan.optional
            if (q := self._group_query(g, reader)) is not None
        ]
        required = [q for g in plan.required if (q := self._group_query(g, reader)) is not None]
        if not optional and not required:
            return SearchResults(hits=[], total=0, page=1, page_count=1)
        allowed = opened.allowed(request.principals)
        for fieldname, value in request.filters.items():
            if value:
                allowed = allowed & matching.term(fieldname, value)
        negative = [q for item in plan.excluded if (q := self._item_query(item, reader))]
        if negative:
            allowed = allowed & ~matching.query(Or(negative))
        terms = [t for _g, q, _e in optional for t in scored_terms(q)]
        terms += [t for q in required for t in scored_terms(q)]
        marker = _Marker(plan) if request.highlight else None
        if required:
            phrases = required[0] if len(required) == 1 else And(required)
            if has_phrase(phrases):
                candidates = matching.query(without_phrases(phrases)) & allowed
                if np.count_nonzero(candidates) > PHRASE_CHECK_LIMIT:
                    return self._search_phrase_sample(
                        opened, phrases, candidates, request, terms, marker
                    )
            allowed = allowed & matching.query(phrases)
        coverage = np.zeros(matching.size, dtype=np.int16)
        exact = np.zeros(matching.size, dtype=np.int16)
        for _group, query, exact_query in optional:
            found = matching.query(query)
            coverage += found
            exact += found if exact_query is None else matching.query(exact_query)
        # A quoted phrase decides on its own (the words only rank); else any word does.
        visible = allowed if required else allowed & (coverage > 0)
        total = int(np.count_nonzero(visible))
        if not total:
            return SearchResults(hits=[], total=0, page=1, page_count=1, facets={})
        all_words = bool((visible & (exact == len(optional))).any())
        page_count = max(1, -(-total // request.per_page))
        page = min(max(1, request.page), page_count)
        start = (page - 1) * request.per_page
        if request.sort == "date":
            newest = matching.newest(visible, page * request.per_page)
            ranked = [(docnum, 0.0) for docnum in newest[start:]]
        else:
            wanted = page * request.per_page
            ranked = self._rank(opened, plan, terms, visible, coverage, wanted)[start:wanted]
        hits = [self._hit(searcher, docnum, score, marker) for docnum, score in ranked]
        facets = self._facets(matching, visible) if request.facets else {}
        return SearchResults(
            hits=hits,
            total=total,
            page=page,
            page_count=page_count,
            facets=facets,
            all_words=all_words,
        )

    def _rank(self, opened, plan, terms, visible, coverage, wanted):
        """Best first: more query words held (a tier each), then BM25 × the answered boost;
        among the first PROXIMITY_WINDOW hits, those holding the typed words side by side
        (as a phrase) get PROXIMITY_BOOST."""
        matching = opened.matching
        factor = np.where(matching.column_array("answered") > 0, ANSWERED_BOOST, 1.0)
        tier = coverage.astype(np.float64) * COVERAGE_TIER
        window = max(wanted, PROXIMITY_WINDOW)
        ranked = matching.rank(terms, visible, window, factor=factor, tier=tier)
        typed = french_tokens(" ".join(w for g in plan.optional for w in g.item.words))
        if len(typed) < 2 or len(ranked) < 2:
            return ranked
        among = np.zeros(matching.size, dtype=bool)
        among[[d for d, _ in ranked]] = True
        together = matching.phrase("content", typed, among) & among
        if not together.any():
            return ranked
        boosted = []
        for docnum, score in ranked:
            if together[docnum]:
                base = coverage[docnum] * COVERAGE_TIER
                score = base + (score - base) * PROXIMITY_BOOST
            boosted.append((docnum, score))
        boosted.sort(key=lambda pair: (-pair[1], pair[0]))
        return boosted

    def _search_phrase_sample(
        self, opened, query, candidates, request, terms, marker
    ) -> SearchResults:
        """A phrase whose words are both in thousands of documents: checking every
        document's positions took up to 200 ms. The candidates are checked in the order of
        the page (relevance or date) until the page is full and `PHRASE_SAMPLE` have been
        checked; the hits are exact, the total and the facet counts are estimated from the
        share of checked candidates that hold the phrase (the page says "environ")."""
        matching = opened.matching
        wanted = max(1, request.page) * request.per_page
        count = int(np.count_nonzero(candidates))
        scores: dict[int, float] = {}

        def first(limit: int) -> list[int]:
            # Only the first candidates in the page's order are usually checked: sorting
            # all of them (90,000 for two frequent words) cost a third of the search.
            if request.sort == "date":
                return matching.newest(candidates, limit)
            ranked = matching.rank(terms, candidates, limit)
            scores.update(ranked)
            return [d for d, _ in ranked]

        order = first(min(count, max(PHRASE_ORDER_WINDOW, wanted)))
        found: list[int] = []
        checked = 0
        while checked < count and (len(found) < wanted or checked < PHRASE_SAMPLE):
            if checked >= len(order):
                order = first(count)
            batch = order[checked : checked + PHRASE_BATCH]
            among = np.zeros(matching.size, dtype=bool)
            among[batch] = True
            holds = matching.query(query, among) & among
            found.extend(d for d in batch if holds[d])
            checked += len(batch)
        exact = checked == count
        total = len(found) if exact else round(len(found) * count / checked)
        if not found:
            return SearchResults(hits=[], total=0, page=1, page_count=1, facets={})
        page_count = max(1, -(-max(total, len(found)) // request.per_page))
        page = min(max(1, request.page), -(-len(found) // request.per_page))
        start = (page - 1) * request.per_page
        hits = [
            self._hit(opened.searcher, d, scores.get(d, 0.0), marker)
            for d in found[start : start + request.per_page]
        ]
        facets = {}
        if request.facets:
            verified = np.zeros(matching.size, dtype=bool)
            verified[found] = True
            scale = total / len(found)
            facets = {
                name: [FacetValue(v.value, max(1, round(v.count * scale))) for v in values]
                for name, values in self._facets(matching, verified).items()
            }
        return SearchResults(
            hits=hits,
            total=max(total, len(found)),
            page=page,
            page_count=page_count,
            facets=facets,
            estimated=not exact,
        )

    def _hit(self, searcher, docnum: int, score: float, marker) -> Hit:
        stored = searcher.stored_fields(docnum)
        title = stored.get("title", "")
        body = stored.get("body", "")
        title_html = snippet_html = ""
        if marker is not None:
            title_html = marker.title(title)
            snippet_html = (
                marker.snippet(body)
                or marker.names(stored.get("names", ""))
                or marker.in_files(stored.get("files", ()))
            )
        return Hit(
            uid=stored["uid"],
            kind=stored.get("kind", ""),
            title=title,
            url=stored.get("url", ""),
            title_html=title_html or html.escape(title),
            snippet_html=snippet_html or html.escape(_shorten(body)),
            date=stored.get("shown_date"),
            topics=tuple(t for t in stored.get("topics", "").split(",") if t),
            structure=stored.get("structure", ""),
            score=float(score),
        )

    def _facets(self, matching, visible) -> dict[str, list[FacetValue]]:
        """Counts over every visible match."""
        counters = {name: matching.facet(name, visible) for name in ("kind", "structure", "year")}
        counters["topics"] = matching.facet("topicset", visible, multiple=True)
        return {
            name: [FacetValue(value=v, count=c) for v, c in counter.most_common()]
            for name, counter in counters.items()
        }

    def _visible_term(self, opened, fieldname, term, principals) -> bool:
        found = opened.matching.term(fieldname, term)
        return bool((found & opened.allowed(principals)).any())

    def _near(self, opened, word: str, edits: int, principals) -> list[str]:
        """Index terms within `edits` of the word's stem, held by visible documents (closest,
        then most frequent, first); [] when visible documents hold the word itself. Only
        terms with the same first letter are compared (typos rarely touch it; comparing
        the whole vocabulary would cost tens of milliseconds)."""
        stems = french_tokens(word)
        if len(stems) != 1:
            return []
        stem = stems[0]
        if self._visible_term(opened, "content", stem, principals):
            return []
        found = []
        for term in self._close_terms(opened, "content", stem, edits):
            if self._visible_term(opened, "content", term, principals):
                found.append(term)
                if len(found) == expansion.MAX_FUZZY_PER_WORD:
                    break
        return found

    def _close_terms(self, opened, fieldname: str, word: str, edits: int) -> list[str]:
        """Terms of a field within `edits` of the (folded) word, same first letter: the
        closest, then the most frequent, first; at most FUZZY_CANDIDATES."""
        word = fold(word)
        close = []
        for length in range(len(word) - edits, len(word) + edits + 1):
            for folded, term in opened.matching.vocabulary(fieldname, word[:1], length):
                if folded != word and expansion.within(word, folded, edits):
                    distance = 1 if expansion.within(word, folded, 1) else 2
                    frequency = opened.searcher.doc_frequency(fieldname, term)
                    close.append((distance, -frequency, term))
        return [term for _d, _f, term in sorted(close)[:FUZZY_CANDIDATES]]

    def suggest(self, query: str, principals: frozenset[str]) -> str:
        """Replace each word missing from the index by the closest spelling of a title word
        that some visible document holds; offer the result only if it finds visible
        documents."""
        opened = self._open()
        searcher = opened.searcher
        reader = searcher.reader()
        parsed = parse_query(query)
        changed = False
        words = []
        for item in parsed.items:
            if item.phrase or item.negated:
                words.append(item.as_text())
                continue
            word = item.words[0]
            tokens = french_tokens(word)
            # Known = held by a document this user may see: a word only restricted
            # documents hold is treated as unknown (finding 13.12), as on PostgreSQL.
            known = (
                not tokens
                or any(self._visible_term(opened, "content", t, principals) for t in tokens)
                or any(
                    self._visible_term(opened, "names", t, principals) for t in name_tokens(word)
                )
            )
            if known:
                words.append(word)
                continue
            replacement = ""
            spelling = self.schema["title"].spelling_fieldname("title")
            for candidate in self._close_terms(opened, spelling, word, 2)[:5]:
                probe = self._word_query(candidate, reader)
                if probe is not None and self._finds(opened, probe, principals):
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
        probe = self.build_query(corrected, reader)
        if probe is None or not self._finds(opened, probe, principals):
            return ""
        return corrected

    def _finds(self, opened: _OpenIndex, query, principals) -> bool:
        return bool((opened.matching.query(query) & opened.allowed(principals)).any())


class _Marker:
    """Highlights: the query's words in `<mark>`, found again through stemming."""

    def __init__(self, plan):
        words = plan.highlighted_words()
        self.terms = frozenset(french_tokens(words)) | frozenset(plan.fuzzy_terms())
        self.name_terms = frozenset(name_tokens(words))

    def title(self, text: str) -> str:
        return self._mark(text, self.terms, _FRENCH, WholeFragmenter(), top=1)

    def snippet(self, text: str) -> str:
        fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
        return self._mark(text, self.terms, _FRENCH, fragmenter, top=2)

    def in_files(self, files) -> str:
        """The first attached file whose text holds a query word, named in the snippet."""
        for name, text in files:
            snippet = self.snippet(text)
            if snippet:
                return in_file_snippet(name, snippet)
        return ""

    def names(self, text: str) -> str:
        fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
        return self._mark(text, self.name_terms, _NAMES, fragmenter, top=1)

    @staticmethod
    def _mark(text, terms, analyzer, fragmenter, top) -> str:
        if not text or not terms:
            return ""
        return highlight(
            text,
            terms,
            analyzer,
            fragmenter,
            MarkFormatter(),
            top=top,
            scorer=_earliest_on_ties,
            minscore=1,
        )


_score = BasicFragmentScorer()


def _earliest_on_ties(fragment) -> float:
    """Whoosh's score of a passage, a tie going to the earlier one. Whoosh breaks ties by the
    objects' addresses in memory, so the same result showed other passages from one request
    to the next. The bonus is below any difference of two scores (sums of term boosts) and
    keeps a passage without a match (score 0) under `minscore`."""
    return _score(fragment) + 1e-6 / (2 + fragment.startchar)


def _has_fuzzy(group) -> bool:
    return any(a.source == expansion.FUZZY for a in group.alternatives)


def _schema_version(path: str) -> str:
    try:
        return (Path(path) / VERSION_FILE).read_text().strip()
    except OSError:
        return ""


def _shorten(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    return text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"

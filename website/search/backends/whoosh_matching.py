"""Matching, counting and ranking for the Whoosh backend, over Whoosh's own posting lists.

Whoosh reads, matches and scores postings through several Python method calls each (about
10 µs per posting, measured); a common French word is in 18,000 to 90,000 of the 105,000
documents of the benchmark, so one query cost 60–400 ms of CPU. Here each term's posting list
is read a block at a time into NumPy arrays (and kept in a bounded cache), and:

* which documents match (the total, the facets, the permission check) is a boolean array
  per query, combined with vector operations;
* phrases are checked on the positions of the documents holding all their words only;
* the hits are ranked with BM25, Whoosh's default model (same `idf`, same stored field
  lengths, K1 = 1.2, B = 0.75), over the documents the user may see only;
* facets are counted from per-segment column codes with `bincount`.

The index, its analysis, storage, spelling and highlighting stay Whoosh's. Document numbers
are global to a searcher (segment offset + number in the segment), as in `stored_fields`.
"""

import pickle
import threading
import zlib
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PerDocReader, _lenfield
from whoosh.columns import NumericColumn
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, AndNot, Or, Phrase, Term
from whoosh.util.numeric import byte_to_length, length_to_byte

from directory.text import fold

K1 = 1.2
B = 0.75
# Posting lists kept between queries (a common word's list is read once, not at every query):
# at most this many bytes of arrays (`Postings.nbytes`). Every web worker holds them
# (benchmarks/README.md, « Issue 16: worker memory (December 6) »): 3.5 MB holds about
# 2 million postings of the benchmark's index, where 1.5 million took 12 MB before.
MAX_CACHED_BYTES = 3_500_000


class SegmentCache:
    """What is read from a segment once and kept: posting lists, column codes, lengths.

    A segment never changes once written (an update deletes the old document and adds the
    new one to a new segment), so what is read from it stays valid for every later searcher;
    `prune` forgets the segments the newest searcher no longer has.
    """

    def __init__(self):
        self._values: dict[tuple[str, str], object] = {}
        self._postings: OrderedDict[tuple, Postings] = OrderedDict()
        self._cached_bytes = 0
        self._lock = threading.Lock()

    def segment_value(self, reader, key: str, read):
        segment_id = reader.segment().segment_id()
        value = self._values.get((segment_id, key))
        if value is None:
            value = read(reader)
            with self._lock:
                self._values[(segment_id, key)] = value
        return value

    def postings(self, reader, fieldname: str, text: str) -> "Postings":
        """A term's postings in one segment, deleted documents included."""
        key = (reader.segment().segment_id(), fieldname, text)
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        found = Postings.kept(*_read_term(reader, fieldname, text), reader.doc_count_all())
        with self._lock:
            self._postings[key] = found
            self._cached_bytes += found.nbytes
            while self._cached_bytes > MAX_CACHED_BYTES and len(self._postings) > 1:
                _, oldest = self._postings.popitem(last=False)
                self._cached_bytes -= oldest.nbytes
        return found

    def prune(self, searcher) -> None:
        live = {sub.reader().segment().segment_id() for sub, _ in searcher.leaf_searchers()}
        with self._lock:
            for key in [k for k in self._values if k[0] not in live]:
                del self._values[key]
            for key in [k for k in self._postings if k[0] not in live]:
                self._cached_bytes -= self._postings.pop(key).nbytes


# The weights of Whoosh's formats are term frequencies (whole numbers): kept in the smallest
# unsigned type that holds them, float32 otherwise.
_WEIGHT_TYPES = (np.uint8, np.uint16, np.uint32)


@dataclass(frozen=True, eq=False)
class Postings:
    """A term's postings in one segment, as kept between queries: in the smallest form that
    gives them back exactly.

    A common word is in 40–90 % of the documents: its documents are kept as a bitmap (one
    bit per document of the segment: 6.5 kB for 52,000) rather than as their numbers (4
    bytes each: 190 kB for 47,000), whenever that is smaller; a rarer word keeps the numbers.
    The weights take one byte each (term frequencies under 256) instead of a float's four.
    On the benchmark's index, the 1.5 million postings of 207 terms took 11.2 MiB as numbers
    and float weights, 2.2 MiB so (benchmarks/README.md, « Issue 16: worker memory (December
    6) »).
    """

    size: int  # documents in the segment
    bits: np.ndarray | None  # `np.packbits` of the documents holding the term, or None
    numbers: np.ndarray | None  # …or their numbers, in order
    weights: np.ndarray  # in the documents' order
    blocks: "Blocks | None"

    @classmethod
    def kept(cls, ids: np.ndarray, weights: np.ndarray, blocks, size: int) -> "Postings":
        # (Whoosh's spelling field gives every posting the document number 0: kept as read.)
        if (size + 7) // 8 < ids.nbytes and bool(np.all(ids[1:] > ids[:-1])):
            mask = np.zeros(size, dtype=bool)
            mask[ids] = True
            bits, numbers = np.packbits(mask), None
        else:
            bits, numbers = None, ids
        return cls(size, bits, numbers, _narrow_weights(weights), blocks)

    @property
    def nbytes(self) -> int:
        arrays = (self.bits, self.numbers, self.weights)
        if self.blocks is not None:
            arrays += (self.blocks.first, self.blocks.start, self.blocks.end)
            arrays += (self.blocks.compressed,)
        return sum(a.nbytes for a in arrays if a is not None)

    def ids(self) -> np.ndarray:
        """The numbers of the documents holding the term, in order."""
        if self.bits is None:
            return self.numbers
        return np.flatnonzero(self._mask())

    def mark(self, mask: np.ndarray) -> None:
        """Set the documents holding the term in `mask` (the segment's part of a mask)."""
        if self.bits is None:
            mask[self.numbers] = True
        else:
            mask |= self._mask()

    def _mask(self) -> np.ndarray:
        return np.unpackbits(self.bits, count=self.size).view(bool)


def _narrow_weights(weights: np.ndarray) -> np.ndarray:
    if not len(weights) or weights.min() < 0 or not np.array_equal(weights, np.trunc(weights)):
        return weights
    high = weights.max()
    for dtype in _WEIGHT_TYPES:
        if high <= np.iinfo(dtype).max:
            return weights.astype(dtype)
    return weights


def _blocks(matcher, *, values=False) -> Iterator[tuple]:
    """(ids, weights, values) of each block of postings of a fresh leaf matcher.

    Whoosh's codec (`whoosh3`, the format of 2.7.4 and of its maintained forks) stores
    postings in blocks that decode at once; another matcher type is read posting by posting
    through the public methods.
    """
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # deletions: the callers mask them
    if not all(hasattr(matcher, a) for a in ("_read_ids", "_read_weights", "_next_block")):
        while matcher.is_active():
            yield (matcher.id(),), (matcher.weight(),), (matcher.value(),) if values else None
            matcher.next()
        return
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        if values:
            matcher._read_values()
        yield matcher._ids, matcher._weights, matcher._values
        matcher._next_block()


def _read_postings(reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    ids, weights, _blocks = _read_term(reader, fieldname, text)
    return ids, weights


def _read_term(reader, fieldname: str, text: str) -> tuple:
    ids: list[int] = []
    weights: list[float] = []
    if (fieldname, text) in reader:
        matcher = reader.postings(fieldname, text)
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child  # deletions: the callers mask them
        if _has_raw_blocks(matcher):
            return _read_raw_blocks(matcher)
        for block_ids, block_weights, _ in _blocks(matcher):
            ids.extend(block_ids)
            weights.extend(block_weights)
    return np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float32), None


# What starts the first position list in a block's pickle: Whoosh pickles the block as
# `(ids, weights, values)` with protocol 2, which writes each value (bytes) as a call to
# `_codecs.encode`. Neither opcode of a document number (BININT*) nor of a weight (BINFLOAT,
# every 9 bytes) can hold these 16 characters, so the first one found is the values' start.
_VALUES_START = b"c_codecs\nencode\n"


# The same call as `bytes(text, "latin1")`, which is several times faster to unpickle (no
# codec registry look-up per value); both names have 16 characters.
_BYTES_CALL = b"cbuiltins\nbytes\n"


def _block_values(postfile, blocks: "Blocks", number: int) -> tuple:
    """The values (encoded positions) of one block of postings, as Whoosh's `_read_values`
    gives them."""
    start, end = int(blocks.start[number]), int(blocks.end[number])
    raw = postfile.get(start, end - start)
    if blocks.compressed[number]:
        raw = zlib.decompress(raw)
    _ids, _weights, values = pickle.loads(raw.replace(_VALUES_START, _BYTES_CALL, 1))  # noqa: S301
    return values


def _has_raw_blocks(matcher) -> bool:
    return all(
        hasattr(matcher, a)
        for a in (
            "_postfile",
            "_dataoffset",
            "_nextoffset",
            "_blocklength",
            "_compression",
            "_fixedsize",
            "_maxid",
        )
    ) and not getattr(matcher, "_byteids", False)


@dataclass(frozen=True)
class Blocks:
    """Where each block of a posting list lies: the index of its first posting in the list,
    and the start and end of its data (after the block's header) in the postings file."""

    first: np.ndarray
    start: np.ndarray
    end: np.ndarray
    compressed: np.ndarray


def _read_raw_blocks(matcher) -> tuple[np.ndarray, np.ndarray, Blocks]:
    """(document numbers, weights) of a `whoosh3` posting list, without its positions.

    Whoosh unpickles a whole block (ids, weights and the positions of each posting) to give
    its ids: the positions were 90 % of that time (about 0.8 µs per posting, 36 ms for a
    word in 45,000 documents of a segment). Here only the start of each block is
    decompressed and unpickled, up to the positions, and the ids' deltas are summed once for
    the whole list: the same arrays as through `_blocks`, about 3× faster
    (`tests/search/test_whoosh_matching.py` compares them). Where each block lies is kept
    too: a phrase then reads the blocks holding its candidates directly, instead of
    walking (one header unpickled each) every block before them."""
    deltas: list[int] = []
    firsts: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    compressed: list[bool] = []
    weights: list[float] = []
    previous_last = 0
    postfile = matcher._postfile
    # Positions are variable-size values: a tuple of bytes, what is skipped. Fixed-size
    # values (frequencies) are one bytes object, cheap to unpickle with the rest.
    tuple_values = matcher._fixedsize is None or matcher._fixedsize < 0
    while matcher.is_active():
        count = matcher._blocklength
        firsts.append(len(deltas))
        starts.append(matcher._dataoffset)
        ends.append(matcher._nextoffset)
        compressed.append(bool(matcher._compression))
        raw = postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
        if matcher._compression:
            inflater = zlib.decompressobj()
            data = inflater.decompress(raw, 16 * count + 64 if tuple_values else 0)
            while tuple_values and _VALUES_START not in data and not inflater.eof:
                data += inflater.decompress(inflater.unconsumed_tail, 4096)
            raw = data
        start = raw.find(_VALUES_START) if tuple_values else -1
        if start < 0:  # no positions: the whole block is cheap
            block_ids, block_weights, _ = pickle.loads(raw)  # noqa: S301 — our own index
        else:
            # A tuple of more than three values opens with a MARK before its first value.
            start -= 1 if count > 3 else 0
            block_ids, block_weights = pickle.loads(b"\x80\x02(" + raw[2:start] + b"t.")  # noqa: S301
        # A block's ids are deltas from 0: chain them to the previous block's last id.
        deltas.append(block_ids[0] - previous_last)
        deltas.extend(block_ids[1:])
        previous_last = matcher._maxid
        if block_weights is None:
            weights.extend([1.0] * count)
        elif isinstance(block_weights, float):
            weights.extend([block_weights] * count)
        else:
            weights.extend(block_weights)
        matcher._next_block()
    ids = np.cumsum(np.array(deltas, dtype=np.int64)).astype(np.int32)
    blocks = Blocks(
        np.array(firsts, dtype=np.int64),
        np.array(starts, dtype=np.int64),
        np.array(ends, dtype=np.int64),
        np.array(compressed, dtype=bool),
    )
    return ids, np.array(weights, dtype=np.float32), blocks


class Matching:
    """Boolean arrays over one searcher's documents (True = matches)."""

    def __init__(self, searcher, cache: SegmentCache):
        self.searcher = searcher
        self.cache = cache
        self.size = searcher.doc_count_all()
        self.segments = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
        self.live = np.ones(self.size, dtype=bool)
        for reader, offset in self.segments:
            if reader.has_deletions():
                deleted = np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)
                self.live[deleted + offset] = False

    def term(self, fieldname: str, text: str) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        for reader, offset in self.segments:
            postings = self.cache.postings(reader, fieldname, text)
            postings.mark(mask[offset : offset + postings.size])
        return mask & self.live

    def query(self, query, among: np.ndarray | None = None) -> np.ndarray:
        """Documents matching a query made of terms, phrases, `And`, `Or` and `AndNot`.

        With `among` (a mask), phrase positions are read for those documents only, and the
        answer is right for them only: the caller keeps `result & among`."""
        if isinstance(query, Term):
            return self.term(query.fieldname, query.text)
        if isinstance(query, Phrase):
            return self.phrase(query.fieldname, list(query.words), among)
        if isinstance(query, Or):
            mask = np.zeros(self.size, dtype=bool)
            for subquery in query.subqueries:
                mask |= self.query(subquery, among)
            return mask
        if isinstance(query, And):
            mask = self.live.copy()
            for subquery in query.subqueries:
                mask &= self.query(subquery, among)
            return mask
        if isinstance(query, AndNot):
            return self.query(query.a, among) & ~self.query(query.b, among)
        mask = np.zeros(self.size, dtype=bool)
        mask[list(self.searcher.docs_for_query(query))] = True
        return mask

    def phrase(self, fieldname: str, words: list[str], among=None) -> np.ndarray:
        """Documents holding the words one after the other (stop words do not count)."""
        mask = self.query(And([Term(fieldname, w) for w in words]))
        if among is not None:
            mask &= among
        candidates = set(np.flatnonzero(mask).tolist())
        if not candidates:
            return mask
        first, *following = [self._positions(fieldname, w, candidates) for w in words]
        for docnum in candidates:
            # Shift each next word's positions back to where the phrase would start.
            starts = set(first[docnum])
            for distance, positions in enumerate(following, 1):
                starts.intersection_update(p - distance for p in positions[docnum])
            if not starts:
                mask[docnum] = False
        return mask

    def _positions(self, fieldname: str, text: str, among: set[int]) -> dict[int, list]:
        """Positions of a term in the documents of `among`. The cached posting list says
        where each document's posting is; only the blocks holding one are unpickled
        (Whoosh's `skip_to` compared ids one posting at a time: a third of a phrase's
        time)."""
        positions: dict[int, list] = {}
        decode = self.searcher.schema[fieldname].format.decoder("positions")
        for reader, offset in self.segments:
            if (fieldname, text) not in reader:
                continue
            end = offset + reader.doc_count_all()
            wanted = np.array(sorted(d - offset for d in among if offset <= d < end), np.int64)
            if not len(wanted):
                continue
            postings = self.cache.postings(reader, fieldname, text)
            ids, blocks = postings.ids(), postings.blocks
            where = np.searchsorted(ids, wanted)
            inside = where < len(ids)
            held = inside.copy()
            held[inside] = ids[where[inside]] == wanted[inside]
            matcher = reader.postings(fieldname, text)
            if isinstance(matcher, FilterMatcher):
                matcher = matcher.child
            if blocks is None or not _has_raw_blocks(matcher):
                for docnum in wanted[held].tolist():
                    matcher.skip_to(docnum)
                    positions[docnum + offset] = decode(matcher.value())
                continue
            indexes = where[held]
            numbers = np.searchsorted(blocks.first, indexes, side="right") - 1
            firsts = blocks.first.tolist()
            current, values = -1, ()
            for docnum, index, number in zip(
                wanted[held].tolist(), indexes.tolist(), numbers.tolist(), strict=True
            ):
                if number != current:
                    current = number
                    values = _block_values(matcher._postfile, blocks, number)
                positions[docnum + offset] = decode(values[index - firsts[number]])
        return positions

    # --- Ranking ------------------------------------------------------------------------------

    def rank(
        self, terms, candidates: np.ndarray, limit: int, *, factor=None, tier=None
    ) -> list[tuple[int, float]]:
        """The `limit` best (docnum, score) of the `candidates` mask by BM25, best first;
        equal scores in document order, as Whoosh does. `factor` (per document) multiplies
        the BM25 score and `tier` (per document) is added to it."""
        docnums = np.flatnonzero(candidates)
        if not len(docnums) or limit <= 0:
            return []
        scores = self.bm25(terms)
        if factor is not None:
            scores *= factor
        if tier is not None:
            scores += tier
        found = scores[docnums]
        if len(docnums) > limit:
            threshold = np.partition(found, len(found) - limit)[len(found) - limit]
            keep = found >= threshold
            docnums, found = docnums[keep], found[keep]
        order = np.lexsort((docnums, -found))[:limit]
        return list(zip(docnums[order].tolist(), found[order].tolist(), strict=True))

    def bm25(self, terms) -> np.ndarray:
        """Every document's BM25 score for these (field, text, boost) terms."""
        scores = np.zeros(self.size, dtype=np.float64)
        for fieldname, text, boost in dict.fromkeys(terms):
            factor = self.searcher.idf(fieldname, text) * (K1 + 1) * boost
            # BM25's length part: K1 × (1 − B + B × length / average length)
            average = self.searcher.avg_field_length(fieldname) or 1.0
            fixed, per_unit = K1 * (1 - B), K1 * B / average
            for reader, offset in self.segments:
                postings = self.cache.postings(reader, fieldname, text)
                ids = postings.ids()
                if not len(ids):
                    continue
                lengths = self.cache.segment_value(
                    reader, f"length:{fieldname}", _length_codes(fieldname)
                )
                # The norm of each of the 256 stored lengths, then each document's.
                norms = (fixed + per_unit * _BYTE_LENGTHS)[lengths[ids]]
                weights = postings.weights.astype(np.float64)
                scores[ids + offset] += factor * weights / (weights + norms)
        return scores

    def newest(self, candidates: np.ndarray, limit: int) -> list[int]:
        """The `limit` most recent of the `candidates` mask (then in document order)."""
        docnums = np.flatnonzero(candidates)
        dates = self.column_array("date")[docnums]
        return docnums[np.lexsort((docnums, -dates))[:limit]].tolist()

    def vocabulary(self, fieldname: str, first: str, length: int) -> set[tuple[str, str]]:
        """(folded, term) of the field's terms whose folded form starts with `first` and
        has this length (every segment)."""
        found: set[tuple[str, str]] = set()
        for reader, _offset in self.segments:
            buckets = self.cache.segment_value(
                reader, f"vocabulary:{fieldname}", _vocabulary(fieldname)
            )
            found.update((t, t) if type(t) is str else t for t in buckets.get((first, length), ()))
        return found

    # --- Columns and facets -------------------------------------------------------------------

    def column_array(self, fieldname: str) -> np.ndarray:
        return np.concatenate(
            [
                self.cache.segment_value(reader, f"array:{fieldname}", _column_array(fieldname))
                for reader, _offset in self.segments
            ]
            or [np.zeros(0, dtype=np.int64)]
        )

    def facet(self, fieldname: str, mask: np.ndarray, *, multiple=False) -> Counter:
        """How many documents of `mask` have each value of the field (values split on
        commas when `multiple`); empty values are not counted.

        Counted as `bincount` weights over the segment's codes, whatever the mask holds. The
        codes are kept in their narrowest type (worker memory, issue 16), which `bincount`
        casts to `intp` on each call: about 0.6 ms a facet on 105,000 documents, against
        0.17 ms with codes kept as `intp` at 8 bytes each (about 4.6 MiB more per worker for
        the four facets)."""
        counts: Counter = Counter()
        read = _column_codes(fieldname, multiple)
        for reader, offset in self.segments:
            repeats, codes, labels = self.cache.segment_value(
                reader, f"codes:{fieldname}:{multiple}", read
            )
            selected = mask[offset : offset + reader.doc_count_all()]
            if repeats is not None:
                selected = np.repeat(selected, repeats)
            tally = np.bincount(codes, weights=selected, minlength=len(labels))
            for index in np.flatnonzero(tally).tolist():
                if labels[index]:
                    counts[labels[index]] += int(tally[index])
        return counts


def _vocabulary(fieldname: str):
    """A segment's terms of a field by (first letter, length) of their folded form: where
    close spellings are looked for (typo tolerance, "did you mean"). A term that is its own
    folded form (every stem of `content`, most spelling words) is kept alone rather than in
    a (folded, term) pair: a third of the memory (every web worker keeps it)."""

    def read(reader) -> dict[tuple[str, int], list[str | tuple[str, str]]]:
        buckets: dict[tuple[str, int], list[str | tuple[str, str]]] = {}
        if fieldname not in reader.indexed_field_names():
            return buckets
        for raw in reader.lexicon(fieldname):
            term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            folded = fold(term)
            entry = term if folded == term else (folded, term)
            buckets.setdefault((folded[:1], len(folded)), []).append(entry)
        return buckets

    return read


def _length_codes(fieldname: str):
    """Each document's length in a field as Whoosh stored it for BM25: one byte
    (`length_to_byte`, read back through `_BYTE_LENGTHS`), read once per segment and kept so
    (every web worker keeps it: a float would take four)."""

    def read(reader) -> np.ndarray:
        fast = _length_bytes(reader, fieldname)
        if fast is not None:
            return fast
        length = reader.doc_field_length
        return np.array(
            [length_to_byte(length(d, fieldname) or 0) for d in range(reader.doc_count_all())],
            dtype=np.uint8,
        )

    return read


# Whoosh stores each length as one byte (`length_to_byte`); 0 reads as 0.
_BYTE_LENGTHS = np.array([0] + [byte_to_length(b) for b in range(1, 256)], dtype=np.float32)


def _length_bytes(reader, fieldname: str) -> np.ndarray | None:
    """The length bytes of every document of a `whoosh3` segment, read at once (one
    `doc_field_length` call per document cost about 10 µs: a second per new segment)."""
    perdoc = getattr(reader, "_perdoc", None)
    if not isinstance(perdoc, W3PerDocReader):
        return None
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if not isinstance(column, NumericColumn.Reader) or column._fixedlen != 1:
        return None
    codes = np.zeros(reader.doc_count_all(), dtype=np.uint8)
    stored = min(column._count, len(codes))
    codes[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
    return codes


# What is kept per segment is one value per document (105,000 in the benchmark): in the
# smallest integer type that holds them all (a flag, a facet's code: one byte instead of 4
# or 8), since every web worker keeps them (benchmarks/README.md, « Worker memory »).
_INTEGER_TYPES = (np.int8, np.int16, np.int32, np.int64)


def _narrowest(values: np.ndarray) -> np.ndarray:
    """The same integers in the smallest signed type that holds them and their negation."""
    if not len(values):
        return values
    low, high = int(values.min()), int(values.max())
    for dtype in _INTEGER_TYPES:
        limits = np.iinfo(dtype)
        if limits.min < low and high <= limits.max:
            return values.astype(dtype, copy=False)
    return values


def _column_array(fieldname: str):
    def read(reader) -> np.ndarray:
        return _narrowest(np.fromiter(reader.column_reader(fieldname), dtype=np.int64))

    return read


def _column_codes(fieldname: str, multiple: bool):
    """(repeats, codes, labels): the codes of the documents' values, in document order, each
    the index of its value in `labels`. With `multiple`, document d has `repeats[d]` values
    (an empty one counts, as the label ""), whose codes follow those of document d - 1;
    otherwise `repeats` is None and `codes[d]` is document d's."""

    def read(reader):
        labels: dict[str, int] = {}
        values = reader.column_reader(fieldname, translate=True)
        if not multiple:
            codes = np.fromiter(
                (labels.setdefault(value or "", len(labels)) for value in values), dtype=np.int64
            )
            return None, _narrowest(codes), list(labels)
        repeats: list[int] = []
        codes: list[int] = []
        for value in values:
            split = (value or "").split(",")
            repeats.append(len(split))
            codes.extend(labels.setdefault(label, len(labels)) for label in split)
        return (
            _narrowest(np.array(repeats, dtype=np.int64)),
            _narrowest(np.array(codes, dtype=np.int64)),
            list(labels),
        )

    return read


def has_phrase(query) -> bool:
    if isinstance(query, Phrase):
        return True
    if isinstance(query, AndNot):
        return has_phrase(query.a) or has_phrase(query.b)
    return isinstance(query, And | Or) and any(has_phrase(q) for q in query.subqueries)


def without_phrases(query):
    """The query with each phrase loosened to its words, all required (a phrase's candidates)."""
    if isinstance(query, Phrase):
        return And([Term(query.fieldname, word) for word in query.words])
    if isinstance(query, AndNot):
        # The excluded part stays as it is: loosening it would exclude too much.
        return AndNot(without_phrases(query.a), query.b)
    if isinstance(query, And | Or):
        return type(query)([without_phrases(q) for q in query.subqueries])
    return query


def scored_terms(query) -> list[tuple[str, str, float]]:
    """(field, text, boost) of every term that counts for the ranking (not the excluded)."""
    if isinstance(query, Term):
        return [(query.fieldname, query.text, query.boost)]
    if isinstance(query, Phrase):
        return [(query.fieldname, word, query.boost) for word in query.words]
    if isinstance(query, AndNot):
        return scored_terms(query.a)
    if isinstance(query, And | Or):
        return [term for subquery in query.subqueries for term in scored_terms(subquery)]
    return []

"""The rebuild's Whoosh writers: the same index as Whoosh's, with less work per posting.

Whoosh's `SegmentWriter` hands every posting of every document to its `PostingPool` as a
`(field, term, docnum, weight, value)` tuple (one method call and a size estimate each), sorts
all of them when it commits, then writes them one by one (`FieldWriter.add_postings`: a
length look-up, type checks and a method call per posting). A rebuild writes about 75
postings per benchmark document, and those steps were half of a writer process's time
(cProfile, 20,000 documents).

`GroupedSegmentWriter` keeps each term's postings together as it adds a document (documents
come in order, so each list is already sorted by document), sorts only the terms when it
commits, and fills the postings writer's blocks a block at a time. The bytes written are the
same (`tests/search/test_whoosh_indexing.py` compares them file by file with Whoosh's own
writer): same blocks, same statistics, same term table. When the postings outgrow `limitmb`,
the pool spills them to disk as Whoosh's does, and the commit then takes Whoosh's own path.

`RebuildWriter` is Whoosh's multiprocess writer whose child processes use that writer.
"""

import contextlib
import gc

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PostingsWriter, _lenfield
from whoosh.columns import NumericColumn
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

# The collector's thresholds while a rebuild reads the database and builds its documents:
# the ORM's objects of a batch (a prefetched answer refers back to its question: cycles)
# die young and are collected young; with the default 700 they reached the old generation,
# and its full passes over everything alive cost a quarter of the building time (measured,
# 0.245 → 0.17 ms per document with `gc.freeze()` of what was alive before).
REBUILD_THRESHOLDS = (100_000, 20, 10)
# A third threshold this high leaves out the collector's full passes in a writer process.
FULL_COLLECTIONS_NEVER = 2**30
# What `doc_field_length` gives for each length byte (a 0 byte: None, as Whoosh does).
_LENGTHS = (None, *(byte_to_length(b) for b in range(1, 256)))
# Whoosh's estimate of one posting's memory (`PostingPool.add`), without the variable parts.
_POSTING_SIZE = 28 + 4 * 5 + 21 + 26 + 18 + 16 + 21


def _length_table(perdoc, fieldname):
    """The field's length bytes (bytes, one per document), or False without a length column."""
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return False
    if isinstance(column, NumericColumn.Reader) and column._fixedlen == 1:
        return column._dbfile.get(column._basepos, column._count)
    return bytes(column[d] for d in range(perdoc._doccount))


class GroupedPostingPool(PostingPool):
    """A `PostingPool` holding `{field: {term bytes: [(docnum, weight, value), …]}}`.

    `GroupedSegmentWriter.add_document` fills `groups` directly; `add` (a posting at a time,
    as Whoosh's merging code gives them) also works. `currentsize` uses Whoosh's estimate per
    posting, so `limitmb` spills at about the same size as Whoosh's pool would.
    """

    def __init__(self, tempstore, segment, limitmb=128, **kwargs):
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        self.groups: dict[str, dict[bytes, list]] = {}

    def add(self, item):
        fieldname, tbytes, docnum, weight, vbytes = item
        self.fieldnames.add(fieldname)
        terms = self.groups.get(fieldname)
        if terms is None:
            terms = self.groups[fieldname] = {}
        postings = terms.get(tbytes)
        if postings is None:
            terms[tbytes] = [(docnum, weight, vbytes)]
        else:
            postings.append((docnum, weight, vbytes))
        self.currentsize += _POSTING_SIZE + len(fieldname) + 2 * len(tbytes) + len(vbytes or b"")
        if self.currentsize > self.limit:
            self.save()

    def _ungroup(self):
        """Move the grouped postings into Whoosh's list of tuples (`current`)."""
        current = self.current
        for fieldname, terms in self.groups.items():
            for tbytes, postings in terms.items():
                current.extend((fieldname, tbytes, d, w, v) for d, w, v in postings)
        self.groups = {}

    def save(self):
        self._ungroup()
        super().save()

    def iter_postings(self):
        self._ungroup()
        return super().iter_postings()

    def sorted_groups(self):
        """[(field, [(term bytes, postings sorted as Whoosh sorts them)])], sorted, or None
        once a run was spilled to disk (then `iter_postings` merges them, as Whoosh does)."""
        if self.runs:
            return None
        fields = []
        for fieldname in sorted(self.groups):
            terms = self.groups[fieldname]
            ordered = []
            for tbytes in sorted(terms):
                postings = terms[tbytes]
                # Already in order for a document's terms (one posting per document, added
                # in order); a spelling word has a posting per use, all at document 0.
                postings.sort()
                ordered.append((tbytes, postings))
            if ordered:
                fields.append((fieldname, ordered))
        return fields


class GroupedSegmentWriter(SegmentWriter):
    """`SegmentWriter` with the grouped pool: `add_document` is Whoosh's, its postings
    added to their term's list in place of one pool call each; `_flush_segment` writes the
    grouped lists (`write_grouped`)."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        limitmb = kwargs.get("limitmb", 128)
        self.pool = GroupedPostingPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def add_document(self, **fields):
        # Whoosh 2.7.4's `SegmentWriter.add_document`, step for step, but for the pool.
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        groups = pool.groups
        size = 0

        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields if not name.startswith("_")])
        self._check_fields(schema, fieldnames)

        vbytes = None  # as in Whoosh, the spelling postings carry the last value seen
        perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]

            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                items = field.index(value)
                scorable = field.scorable
                terms = groups.get(fieldname)
                if terms is None:
                    terms = groups[fieldname] = {}
                fixed = _POSTING_SIZE + len(fieldname)
                added = False
                for tbytes, freq, weight, vbytes in items:
                    weight *= fieldboost
                    if scorable:
                        length += freq
                    postings = terms.get(tbytes)
                    if postings is None:
                        terms[tbytes] = [(docnum, weight, vbytes)]
                    else:
                        postings.append((docnum, weight, vbytes))
                    size += fixed + 2 * len(tbytes) + len(vbytes or b"")
                    added = True
                if added:
                    pool.fieldnames.add(fieldname)

            if field.separate_spelling():
                spellfield = field.spelling_fieldname(fieldname)
                terms = groups.get(spellfield)
                if terms is None:
                    terms = groups[spellfield] = {}
                fixed = _POSTING_SIZE + len(spellfield)
                for word in field.spellable_words(value):
                    word = word.encode("utf-8")
                    postings = terms.get(word)
                    if postings is None:
                        terms[word] = [(0, 1, vbytes)]
                    else:
                        postings.append((0, 1, vbytes))
                    size += fixed + 2 * len(word) + len(vbytes or b"")
                    pool.fieldnames.add(spellfield)

            vformat = field.vector
            if vformat:
                analyzer = field.analyzer
                vitems = vformat.word_values(value, analyzer, mode="index")
                vitems = sorted((text, weight, vbytes) for text, _, weight, vbytes in vitems)
                perdocwriter.add_vector_items(fieldname, field, vitems)

            customval = fields.get(f"_stored_{fieldname}", value)
            sv = customval if field.stored else None
            perdocwriter.add_field(fieldname, field, sv, length)

            column = field.column_type
            if column and customval is not None:
                cv = field.to_column_value(customval)
                perdocwriter.add_column_value(fieldname, column, cv)

        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        # Whoosh checks the limit at every posting; once per document spills a few
        # postings later, which changes the temporary runs only, never the index.
        pool.currentsize += size
        if pool.currentsize > pool.limit:
            pool.save()

    def _flush_segment(self):
        groups = self.pool.sorted_groups()
        if groups is None:
            super()._flush_segment()
            return
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        write_grouped(self.fieldwriter, self.schema, pdr, groups)
        self.fieldwriter.close()
        if pdr:
            pdr.close()


def write_grouped(fieldwriter, schema, lengths, groups) -> None:
    """`FieldWriter.add_postings` for grouped postings: the same calls per field and term,
    and each block of Whoosh 3's postings writer filled at once (`_fill_block`)."""
    for fieldname, terms in groups:
        fieldwriter.start_field(fieldname, schema[fieldname])
        postwriter = fieldwriter._postwriter
        fast = type(postwriter) is W3PostingsWriter and not postwriter._byteids
        table = _length_table(lengths, fieldname) if lengths is not None else False
        for tbytes, postings in terms:
            fieldwriter.start_term(tbytes)
            if fast:
                _add_postings(postwriter, postings, table)
            else:
                for docnum, weight, vbytes in postings:
                    length = _length_of(table, docnum)
                    fieldwriter.add(docnum, weight, b"" if vbytes is None else vbytes, length)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


def _length_of(table, docnum):
    if table is False:
        return 0
    return _LENGTHS[table[docnum]] if docnum < len(table) else None


def _add_postings(postwriter: W3PostingsWriter, postings: list, table) -> None:
    """`postwriter.add_posting` for each posting, a block at a time: a block is written
    when it is full and another posting follows (the last one is written, or inlined, by
    `finish_postings`), with the same ids, weights, values and statistics."""
    limit = postwriter._blocklimit
    count = len(postings)
    start = 0
    while True:
        chunk = postings[start : start + limit]
        ids, weights, values = zip(*chunk, strict=True)
        postwriter._ids.extend(ids)
        postwriter._weights.extend(weights)
        top = max(weights)
        if top > postwriter._maxweight:
            postwriter._maxweight = top
        postwriter._values.extend([v for v in values if v])
        if table is not False:
            size = len(table)
            found = [_LENGTHS[table[d]] if d < size else None for d in ids]
            found = [n for n in found if n]
            if found:
                low, high = min(found), max(found)
                if postwriter._minlength is None or low < postwriter._minlength:
                    postwriter._minlength = low
                if high > postwriter._maxlength:
                    postwriter._maxlength = high
        start += limit
        if start >= count:
            return
        postwriter._write_block()


@contextlib.contextmanager
def rebuild_collector():
    """`REBUILD_THRESHOLDS` for the time of a rebuild, and what was alive before it frozen out
    of the collector's passes (the modules, settings, caches of the process) for good.

    For good, because `gc.unfreeze()` cannot tell the rebuild's frozen objects from those the
    process froze itself (the preloaded web worker, `website/wsgi.py`; the test suite): it made
    every later full collection walk them all again. Nor can the rebuild ask whether anything
    is frozen: `gc.get_freeze_count()` walks every frozen object (5 ms for 800,000). What was
    alive before a rebuild is mostly what lives as long as the process; a frozen object is
    still freed when nothing refers to it, only a cycle among them is kept."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*REBUILD_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


class _RebuildTask(SubWriterTask):
    """Whoosh's child process of `MpWriter`, writing with `GroupedSegmentWriter`."""

    def run(self):
        # This process's postings are millions of tuples and lists that live until the end:
        # the collector's full passes, which traverse every one of them each time, were a
        # fifth of its time (measured). Young generations are still collected.
        gc.set_threshold(*gc.get_threshold()[:2], FULL_COLLECTIONS_NEVER)
        # Whoosh 2.7.4's `SubWriterTask.run` with the writer class changed.
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = GroupedSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if not self.running:
            writer.cancel()
            return
        if self.multisegment:
            result = (None, writer.pool.fieldnames, writer._finalize_segment())
        else:
            from whoosh.multiproc import finish_subsegment

            result = finish_subsegment(writer, self.kwargs.get("k", 64))
        self.resultqueue.put(result, timeout=5)


class RebuildWriter(MpWriter):
    """Whoosh's multiprocess writer whose processes write with `GroupedSegmentWriter`."""

    def _new_task(self):
        task = _RebuildTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task

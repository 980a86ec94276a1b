"""The rebuild's fast paths write the index Whoosh's own code writes.

`FrenchText.index` (positions grouped by term in one loop, encoded once per distinct list)
and the commit's length look-ups read at once (`_doc_field_length`) replace Whoosh's generic
code for speed; an index written with them must hold the same terms, postings, positions,
term statistics and lengths as one written by Whoosh's `TEXT` and `doc_field_length`.
The rebuild's writers (`whoosh_writing.py`: postings grouped by term, written a block at a
time) must write the same files as Whoosh's `SegmentWriter` and `MpWriter`.
"""

import random
from dataclasses import replace

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.fields import TEXT

from website.search.analysis import french_analyzer
from website.search.backends import whoosh as whoosh_backend
from website.search.backends import whoosh_writing
from website.search.results import SearchDocument

WORDS = (
    "Les communes de la vallée mutualisent l'achat du sel de déneigement ; la mairie "
    "réseau réseaux sécurité securite délibération du conseil municipal marché public "
    "école cantine l'eau d'été à é ÉTÉ 2026 a b x"
).split()


def _texts(rng):
    yield ""
    yield "les de la du"
    yield "L'eau d'Été, l'été : éte ETE été ! Réseaux réseau reseaux."
    yield "mairie " * 400
    for _ in range(60):
        yield " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 150)))


def test_french_text_gives_the_postings_of_whooshs_text():
    rng = random.Random(12)
    fast = whoosh_backend.build_schema()["content"]
    assert isinstance(fast, whoosh_backend.FrenchText)
    plain = TEXT(analyzer=french_analyzer())
    for text in _texts(rng):
        assert sorted(fast.index(text)) == sorted(plain.index(text)), text


def _document(number, rng):
    return SearchDocument(
        uid=f"question:{number}",
        kind="question",
        title=" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8))),
        url=f"/q/{number}/",
        acl=("members",),
        body=" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 120))),
        names=rng.choice(["", "Hélène Lefèvre", "Service urbanisme"]),
    )


def _contents(folder):
    """Every term's postings (ids, weights, encoded positions), statistics, and every
    document's length in each scored field, as Whoosh's own reader gives them."""
    reader = whoosh_index.open_dir(str(folder)).reader()
    terms = []
    for fieldname, text in reader.all_terms():
        matcher = reader.postings(fieldname, text)
        postings = []
        while matcher.is_active():
            postings.append((matcher.id(), matcher.weight(), matcher.value()))
            matcher.next()
        info = reader.term_info(fieldname, text)
        statistics = (info.min_length(), info.max_length(), info.max_weight(), info.doc_frequency())
        terms.append((fieldname, text, postings, statistics))
    perdoc = reader._perdoc
    lengths = [
        [
            whoosh_backend.WHOOSH_DOC_FIELD_LENGTH(perdoc, docnum, fieldname)
            for docnum in range(reader.doc_count_all())
        ]
        for fieldname in ("content", "title", "names")
    ]
    return terms, lengths, list(reader.all_stored_fields())


def test_an_index_written_with_the_fast_paths_equals_whooshs(tmp_path, monkeypatch):
    rng = random.Random(2026)
    documents = [_document(number, rng) for number in range(300)]

    def write(folder, schema):
        folder.mkdir()
        ix = whoosh_index.create_in(str(folder), schema)
        writer = ix.writer(compound=False)
        for document in documents:
            writer.add_document(**whoosh_backend._fields_of(document))
        writer.commit()

    write(tmp_path / "fast", whoosh_backend.build_schema())
    with monkeypatch.context() as patched:
        patched.setattr(W3PerDocReader, "doc_field_length", whoosh_backend.WHOOSH_DOC_FIELD_LENGTH)
        schema = whoosh_backend.build_schema()
        schema.remove("content")
        schema.add("content", TEXT(analyzer=french_analyzer()))
        write(tmp_path / "whoosh", schema)
    fast, whooshs = _contents(tmp_path / "fast"), _contents(tmp_path / "whoosh")
    assert len(fast[0]) > 50
    assert fast == whooshs


@pytest.mark.parametrize("fieldname", ["content", "title", "names", "acl"])
def test_lengths_read_at_once_equal_whooshs(tmp_path, fieldname):
    rng = random.Random(5)
    folder = tmp_path / "index"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), whoosh_backend.build_schema())
    writer = ix.writer(compound=False)
    for number in range(200):
        writer.add_document(**whoosh_backend._fields_of(_document(number, rng)))
    writer.commit()
    perdoc = ix.reader()._perdoc
    for docnum in range(200):
        assert perdoc.doc_field_length(docnum, fieldname) == (
            whoosh_backend.WHOOSH_DOC_FIELD_LENGTH(perdoc, docnum, fieldname)
        )
    with pytest.raises(IndexError):
        perdoc.doc_field_length(500, fieldname)


def _segment_files(folder):
    """The bytes of the index's segment files, by extension (segment names are random)."""
    ix = whoosh_index.open_dir(str(folder))
    (segment,) = ix._segments()
    files = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(segment.segment_id()):
            files[path.name[len(segment.segment_id()) :]] = path.read_bytes()
    return files


def _write(folder, documents, writer_class=None, **kwargs):
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), whoosh_backend.build_schema())
    writer = writer_class(ix, **kwargs) if writer_class else ix.writer(**kwargs)
    for document in documents:
        writer.add_document(**whoosh_backend._fields_of(document))
    writer.commit()
    return folder


@pytest.mark.parametrize("limitmb", [256, 1])
def test_the_grouped_writer_writes_whooshs_bytes(tmp_path, monkeypatch, limitmb):
    """`GroupedSegmentWriter` (the rebuild's pool and commit) against Whoosh's own
    `SegmentWriter`: the same files, byte for byte, postings (more than a block for the
    frequent words), term table, spelling words, lengths and stored fields; with a limit
    that makes both spill to disk too."""
    rng = random.Random(7)
    documents = [_document(number, rng) for number in range(600)]
    documents.append(replace(_document(600, rng), title="les de la", body=""))
    spills = []
    save = whoosh_writing.GroupedPostingPool.save
    monkeypatch.setattr(
        whoosh_writing.GroupedPostingPool,
        "save",
        lambda pool: spills.append(1) or save(pool),
    )
    grouped = _write(
        tmp_path / "grouped",
        documents,
        whoosh_writing.GroupedSegmentWriter,
        compound=False,
        limitmb=limitmb,
    )
    assert bool(spills) == (limitmb == 1)
    whooshs = _write(tmp_path / "whoosh", documents, compound=False, limitmb=limitmb)
    files = _segment_files(grouped)
    assert files.keys() == _segment_files(whooshs).keys()
    assert len(files[".pst"]) > 10_000
    assert files == _segment_files(whooshs)
    assert _contents(grouped) == _contents(whooshs)
    terms = [t for t in _contents(grouped)[0] if t[0] == "spell_title"]
    assert terms and max(len(postings) for _, _, postings, _ in terms) > 1


def test_the_rebuild_writer_writes_the_segments_of_whooshs(tmp_path):
    """Two processes, as a rebuild writes: the same documents in each segment as
    Whoosh's `MpWriter` gives, each with the same terms, postings and stored fields."""
    rng = random.Random(11)
    documents = [_document(number, rng) for number in range(400)]
    options = {"procs": 2, "multisegment": True, "batchsize": 50, "compound": False}
    grouped = _write(tmp_path / "grouped", documents, whoosh_writing.RebuildWriter, **options)
    whooshs = _write(tmp_path / "whoosh", documents, **options)

    def by_document(folder):
        reader = whoosh_index.open_dir(str(folder)).reader()
        assert reader.doc_count() == 400
        found = {}
        for segment_reader, _ in reader.leaf_readers():
            postings = {docnum: [] for docnum in range(segment_reader.doc_count_all())}
            for fieldname, text in segment_reader.all_terms():
                if fieldname == "spell_title":  # one posting per use, at document 0
                    continue
                matcher = segment_reader.postings(fieldname, text)
                while matcher.is_active():
                    posting = (fieldname, text, matcher.weight(), matcher.value())
                    postings[matcher.id()].append(posting)
                    matcher.next()
            for docnum, stored in segment_reader.iter_docs():
                found[stored["uid"]] = (stored, postings[docnum])
        return found

    assert by_document(grouped) == by_document(whooshs)

"""The rebuild's fast paths write the index Whoosh's own code writes.

`FrenchText.index` (positions grouped by term in one loop, encoded once per distinct list)
and the commit's length look-ups read at once (`_doc_field_length`) replace Whoosh's generic
code for speed; an index written with them must hold the same terms, postings, positions,
term statistics and lengths as one written by Whoosh's `TEXT` and `doc_field_length`.
"""

import random

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.fields import TEXT

from website.search.analysis import french_analyzer
from website.search.backends import whoosh as whoosh_backend
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

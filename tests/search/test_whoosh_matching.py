"""The Whoosh backend's own matching and ranking agree with Whoosh on the same index.

`whoosh_matching` reads Whoosh's posting lists directly for speed; these tests build a small
index with several segments and deletions and compare every answer with Whoosh's own
searcher (`docs_for_query`, BM25F scores), so a change in either shows up here.
"""

import random

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.query import And, AndNot, Or, Phrase, Term

from website.search.backends import whoosh as whoosh_backend
from website.search.backends.whoosh_matching import (
    Matching,
    SegmentCache,
    _narrowest,
    scored_terms,
)
from website.search.results import SearchDocument

WORDS = (
    "commune mairie marché public voirie école cantine réseau eau assainissement budget "
    "conseil municipal délibération travaux déneigement chemin rural forêt urbanisme permis"
).split()


def _document(number: int, rng: random.Random) -> SearchDocument:
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40)))
    return SearchDocument(
        uid=f"question:{number}",
        kind=rng.choice(["question", "discussion"]),
        title=" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))),
        url=f"/q/{number}/",
        acl=(rng.choice(["members", "public", "user:7"]),),
        body=body,
        topics=tuple(rng.sample(["voirie", "ecoles", "eau"], rng.randint(0, 2))),
        structure=rng.choice(["", "mairie-a", "mairie-b"]),
    )


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    """Three segments (one per commit), with documents deleted and replaced."""
    rng = random.Random(2026)
    folder = tmp_path_factory.mktemp("matching")
    ix = whoosh_index.create_in(str(folder), whoosh_backend.build_schema())
    for start in (1, 301, 501):
        writer = ix.writer(compound=False)
        for number in range(start, start + 200):
            writer.update_document(**whoosh_backend._fields_of(_document(number, rng)))
        writer.commit(merge=False)
    writer = ix.writer(compound=False)
    for number in range(1, 60, 3):
        writer.delete_by_term("uid", f"question:{number}")
    for number in range(100, 130):
        writer.update_document(**whoosh_backend._fields_of(_document(number, rng)))
    writer.commit(merge=False)
    searcher = ix.searcher()
    assert len(searcher.leaf_searchers()) >= 3 and searcher.reader().has_deletions()
    yield searcher
    searcher.close()


def _whoosh(searcher, query) -> set[int]:
    return set(searcher.docs_for_query(query))


def _ours(searcher, query) -> set[int]:
    return set(np.flatnonzero(Matching(searcher, SegmentCache()).query(query)).tolist())


QUERIES = [
    Term("content", "commun"),
    Term("content", "absent"),
    Term("acl", "members"),
    And([Term("content", "march"), Term("content", "public")]),
    Or([Term("content", "foret"), Term("title", "voir")]),
    AndNot(Term("content", "budget"), Term("content", "ecol")),
    Phrase("content", ["march", "public"]),
    Phrase("content", ["conseil", "municipal", "deliber"]),
    And([Phrase("content", ["chemin", "rural"]), Term("kind", "question")]),
]


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_matching_finds_exactly_what_whoosh_finds(searcher, query):
    assert _ours(searcher, query) == _whoosh(searcher, query)


def test_deleted_and_replaced_documents_are_never_matched(searcher):
    found = _ours(searcher, Term("acl", "members")) | _ours(searcher, Term("acl", "public"))
    uids = {searcher.stored_fields(d)["uid"] for d in found}
    assert "question:1" not in uids and "question:4" not in uids
    assert len(found) == len(uids), "a replaced document is found once"


@pytest.mark.parametrize(
    "query",
    [
        Term("content", "voiri"),
        And([Term("content", "eau"), Term("content", "assain")]),
        Or([Term("content", "budget"), Term("content", "travail")]),
        Phrase("content", ["march", "public"]),
    ],
    ids=str,
)
def test_ranking_gives_whooshs_bm25_scores_and_order(searcher, query):
    whoosh_hits = searcher.search(query, limit=15)
    expected = [(hit.docnum, hit.score) for hit in whoosh_hits]
    matching = Matching(searcher, SegmentCache())
    ours = matching.rank(scored_terms(query), matching.query(query), 15)
    assert [d for d, _ in ours] == [d for d, _ in expected]
    assert [s for _, s in ours] == pytest.approx([s for _, s in expected], rel=1e-5)


def test_facets_count_each_value_over_the_mask(searcher):
    matching = Matching(searcher, SegmentCache())
    mask = matching.query(Term("content", "commun"))
    docs = np.flatnonzero(mask).tolist()
    kinds = [searcher.stored_fields(d)["kind"] for d in docs]
    assert dict(matching.facet("kind", mask)) == {k: kinds.count(k) for k in set(kinds)}
    topics = [t for d in docs for t in searcher.stored_fields(d)["topics"].split(",") if t]
    assert dict(matching.facet("topicset", mask, multiple=True)) == {
        t: topics.count(t) for t in set(topics)
    }


def test_the_cached_columns_take_one_byte_per_document(searcher):
    """Every web worker keeps them (benchmarks/README.md, « Worker memory »): a flag or a
    facet with few values is one byte per document, and a field of one value per document
    keeps no row numbers."""
    cache = SegmentCache()
    matching = Matching(searcher, cache)
    matching.facet("kind", matching.live)
    matching.facet("topicset", matching.live, multiple=True)
    matching.column_array("answered")
    kept = cache._values
    assert len(kept) == 3 * len(matching.segments)
    assert all(value[0] is None for (_s, key), value in kept.items() if key == "codes:kind:False")
    arrays = [a for v in kept.values() for a in (v if isinstance(v, tuple) else (v,))]
    arrays = [a for a in arrays if isinstance(a, np.ndarray)]
    # kind: codes; topics: repeats and codes; answered: the flags.
    assert len(arrays) == 4 * len(matching.segments)
    assert {a.itemsize for a in arrays} == {1}


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ([0, 1], np.int8),
        ([-127, 127], np.int8),
        ([-128, 0], np.int16),
        ([0, 128], np.int16),
        ([0, 40_000], np.int32),
        ([1_764_950_400, 0], np.int32),
        ([2**31, 0], np.int64),
        ([], np.int64),
    ],
)
def test_narrowed_integers_keep_their_values_and_their_negation(values, dtype):
    narrowed = _narrowest(np.array(values, dtype=np.int64))
    assert narrowed.dtype == dtype
    assert narrowed.tolist() == values
    assert (-narrowed).tolist() == [-v for v in values]


def test_posting_cache_stays_within_its_bound(searcher, monkeypatch):
    from website.search.backends import whoosh_matching

    monkeypatch.setattr(whoosh_matching, "MAX_CACHED_BYTES", 400)
    cache = SegmentCache()
    matching = Matching(searcher, cache)
    for word in ("commun", "mairi", "march", "public", "voiri"):
        matching.term("content", word)
    kept = sum(postings.nbytes for postings in cache._postings.values())
    assert kept == cache._cached_bytes
    assert kept <= 400 or len(cache._postings) == 1
    assert _ours(searcher, Term("content", "commun")) == _whoosh(
        searcher, Term("content", "commun")
    )


def test_cached_postings_give_back_what_was_read_in_less_memory(searcher):
    """Every web worker keeps them (benchmarks/README.md, « Issue 16: worker memory (December
    6) »): a common term's documents as a bitmap of the segment, a rarer one's as their
    numbers, whichever is smaller, the weights (term frequencies) one byte each; the same
    documents and weights come back."""
    from website.search.backends.whoosh_matching import Postings, _read_term

    dense = sparse = 0
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        size = reader.doc_count_all()
        for fieldname in reader.indexed_field_names():
            for text in reader.field_terms(fieldname):
                ids, weights, blocks = _read_term(reader, fieldname, text)
                kept = Postings.kept(ids, weights, blocks, size)
                assert kept.ids().tolist() == ids.tolist(), (fieldname, text)
                assert kept.weights.dtype == np.uint8 or not len(ids)
                assert kept.weights.tolist() == weights.tolist()
                mask = np.zeros(size, dtype=bool)
                kept.mark(mask)
                assert np.flatnonzero(mask).tolist() == sorted(set(ids.tolist()))
                if fieldname.startswith("spell_"):
                    # Whoosh's spelling words: every posting numbered 0, kept as read.
                    assert kept.bits is None
                elif kept.bits is None:
                    sparse += 1
                    assert ids.nbytes <= (size + 7) // 8
                else:
                    dense += 1
                    assert kept.bits.nbytes == (size + 7) // 8 < ids.nbytes
    assert dense > 50 and sparse > 50


@pytest.mark.parametrize(
    ("weights", "dtype"),
    [
        ([1.0, 255.0], np.uint8),
        ([1.0, 256.0], np.uint16),
        ([3.0, 70_000.0], np.uint32),
        ([1.0, 2.5], np.float32),
        ([-1.0, 2.0], np.float32),
        ([], np.float32),
    ],
)
def test_cached_weights_are_narrowed_only_when_exact(weights, dtype):
    from website.search.backends.whoosh_matching import _narrow_weights

    narrowed = _narrow_weights(np.array(weights, dtype=np.float32))
    assert narrowed.dtype == dtype
    assert narrowed.astype(np.float64).tolist() == weights


def test_the_vocabulary_keeps_a_term_alone_when_it_is_its_folded_form(searcher):
    """Typo tolerance and « Vouliez-vous dire » look for close spellings in it; every web
    worker keeps it once built, so a term equal to its folded form is not kept twice."""
    from directory.text import fold
    from website.search.backends.whoosh_matching import _vocabulary

    matching = Matching(searcher, SegmentCache())
    pairs = 0
    for fieldname in ("content", "spell_title"):
        expected = set()
        for reader, _offset in matching.segments:
            terms = [t.decode() if isinstance(t, bytes) else t for t in reader.lexicon(fieldname)]
            expected |= {(fold(t), t) for t in terms}
            entries = [e for bucket in _vocabulary(fieldname)(reader).values() for e in bucket]
            assert len(entries) == len(terms)
            assert all(type(e) is str or e[0] != e[1] for e in entries)
            pairs += sum(type(e) is tuple for e in entries)
        found = set()
        for folded in {f for f, _t in expected}:
            found |= matching.vocabulary(fieldname, folded[:1], len(folded))
        assert found == expected
    assert pairs  # accented spelling words (« marché »)


def test_a_matcher_without_blocks_is_read_posting_by_posting(searcher, monkeypatch):
    """Another codec's matcher (no `_read_ids`): the public, slower path gives the same."""
    from whoosh.matching import ListMatcher

    from website.search.backends import whoosh_matching

    real = whoosh_matching._blocks

    def through_public_methods(matcher, *, values=False):
        plain = ListMatcher(
            list(matcher.all_ids()), weights=None, values=None, format=None, scorer=None
        )
        return real(plain, values=False) if not values else real(matcher, values=True)

    monkeypatch.setattr(whoosh_matching, "_blocks", through_public_methods)
    monkeypatch.setattr(whoosh_matching, "_has_raw_blocks", lambda matcher: False)
    query = Term("content", "commun")
    assert _ours(searcher, query) == _whoosh(searcher, query)


def _whooshs_postings(reader, fieldname, text):
    """(ids, weights, positions or None) of a term through Whoosh's own matcher (which
    skips deleted documents)."""
    matcher = reader.postings(fieldname, text)
    has_positions = reader.schema[fieldname].format.supports("positions")
    ids, weights, positions = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if has_positions:
            positions.append(matcher.value_as("positions"))
        matcher.next()
    return ids, weights, positions if has_positions else None


def test_posting_lists_read_without_positions_equal_whooshs(searcher):
    """The fast reader (block starts only, positions skipped) gives Whoosh's ids and
    weights for every term of every field, long lists (several blocks) and short ones
    (a last block of one to three postings is pickled without a MARK) alike."""
    from website.search.backends.whoosh_matching import _read_postings

    compared = multi_block = short_tail = 0
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        for fieldname in reader.indexed_field_names():
            for text in reader.field_terms(fieldname):
                ids, weights = _read_postings(reader, fieldname, text)
                live = [not reader.is_deleted(d) for d in ids.tolist()]  # the callers mask
                ids, weights = ids[live], weights[live]
                expected_ids, expected_weights, _ = _whooshs_postings(reader, fieldname, text)
                assert ids.tolist() == expected_ids, (fieldname, text)
                assert weights.tolist() == pytest.approx(expected_weights), (fieldname, text)
                compared += 1
                multi_block += len(ids) > 128
                short_tail += len(ids) % 128 in (1, 2, 3)
    assert compared > 500 and multi_block > 10 and short_tail > 10


def test_positions_and_lengths_equal_whooshs(searcher):
    """Phrase positions read through the cached posting list, and the BM25 lengths read as
    one byte array, are what Whoosh's matcher and `doc_field_length` give."""
    matching = Matching(searcher, SegmentCache())
    rng = random.Random(5)
    for text in ("commun", "march", "public", "chemin", "ecol"):
        expected = {}
        for sub, offset in searcher.leaf_searchers():
            ids, _w, positions = _whooshs_postings(sub.reader(), "content", text)
            expected.update({d + offset: p for d, p in zip(ids, positions, strict=True)})
        live = np.flatnonzero(matching.live).tolist()
        among = set(rng.sample(live, len(live) // 2))
        wanted = {d: p for d, p in expected.items() if d in among}
        assert wanted and matching._positions("content", text, among) == wanted
    lengths = matching.cache.segment_value
    for reader, _offset in matching.segments:
        from website.search.backends.whoosh_matching import _BYTE_LENGTHS, _length_codes

        ours = lengths(reader, "length:content", _length_codes("content"))
        assert ours.dtype == np.uint8
        whooshs = [reader.doc_field_length(d, "content") or 0 for d in range(len(ours))]
        assert _BYTE_LENGTHS[ours].tolist() == whooshs and any(whooshs)
        # Another codec's segment: the lengths read one by one, the same bytes.
        slow = _length_codes("content")(
            type(
                "Reader",
                (),
                {
                    "doc_field_length": reader.doc_field_length,
                    "doc_count_all": reader.doc_count_all,
                },
            )()
        )
        assert slow.tolist() == ours.tolist()

"""What only the PostgreSQL backend does: the ranked window, estimated counts above the
threshold, the indexed permission filter, settings that stay inside the search."""

import pytest
from django.db import connection, transaction

from website.search.backends import postgres
from website.search.documents import principals_for
from website.search.results import SearchRequest

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the postgres backend needs PostgreSQL"
    ),
]


@pytest.fixture
def backend(settings, tmp_path):
    from website.search import services
    from website.search.backends import get_backend, reset_backends

    settings.SEARCH_BACKEND = "postgres"
    settings.SEARCH_INDEX_DIR = str(tmp_path / "search")
    reset_backends()
    services.rebuild()
    yield get_backend()
    reset_backends()


@pytest.fixture
def snow(backend, ask, index):
    """23 threads about snow clearing, one of them with the word in its title only once."""
    questions = [ask(f"Déneigement des routes, cas numéro {n}") for n in range(23)]
    index(*questions)
    return questions


def find(backend, user, query, **kwargs):
    return backend.search(SearchRequest(query=query, principals=principals_for(user), **kwargs))


@pytest.mark.parametrize(
    ("buckets", "window"),
    [(64, 4), (8, 1)],  # (8, 1): under one bucket, eighths of bucket 0 are ranked
    ids=["buckets", "eighths"],
)
def test_pages_beyond_the_ranked_window_continue_without_gaps_or_repeats(
    snow, backend, member, monkeypatch, buckets, window
):
    monkeypatch.setattr(postgres, "SAMPLE_BUCKETS", buckets)
    monkeypatch.setattr(postgres, "RANK_WINDOW", window)
    monkeypatch.setattr(postgres, "TITLE_WINDOW", 3)
    pages = [find(backend, member, "déneigement", per_page=5, page=p) for p in range(1, 6)]
    seen = [hit.uid for page in pages for hit in page.hits]
    assert len(seen) == 23 and len(set(seen)) == 23
    assert [len(page.hits) for page in pages] == [5, 5, 5, 5, 3]
    assert seen == [hit.uid for hit in find(backend, member, "déneigement", per_page=23).hits]


def test_matches_with_the_words_in_their_title_rank_first_above_the_window(
    backend, ask, index, member, monkeypatch
):
    titled = [ask(f"Déneigement des trottoirs, cas numéro {n}") for n in range(4)]
    salted = ask("Déneigement des parkings", body="Faut-il prévoir du salage ?")
    others = [
        ask(f"Entretien de la voirie, cas numéro {n}", body="Le déneigement est prévu.")
        for n in range(30)
    ]
    index(*titled, salted, *others)
    monkeypatch.setattr(postgres, "RANK_WINDOW", 5)
    results = find(backend, member, "déneigement -salage", per_page=10)
    assert {hit.title for hit in results.hits[:4]} == {q.title for q in titled}
    assert results.total == 34 and not results.estimated
    # A negated word found outside the title still excludes the document.
    everything = find(backend, member, "déneigement -salage", per_page=40)
    assert salted.title not in {hit.title for hit in everything.hits}
    assert salted.title in {hit.title for hit in find(backend, member, "déneigement").hits[:5]}


def test_the_ranked_window_holds_every_match_when_there_are_few(snow, backend, member):
    results = find(backend, member, "déneigement", per_page=30)
    assert len(results.hits) == 23 and all(hit.score > 0 for hit in results.hits)


def test_counts_above_the_threshold_are_estimated_from_the_sample(
    snow, backend, member, monkeypatch
):
    exact = find(backend, member, "déneigement")
    assert exact.total == 23
    assert {f.value: f.count for f in exact.facets["kind"]} == {"question": 23}
    monkeypatch.setattr(postgres, "EXACT_COUNT_LIMIT", 0)
    estimated = find(backend, member, "déneigement")
    scale = postgres.SAMPLE_BUCKETS // postgres.PAGE_SAMPLE_BUCKETS
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM search_searchentry WHERE sample < %s AND kind = 'question'",
            [postgres.PAGE_SAMPLE_BUCKETS],
        )
        in_sample = cursor.fetchone()[0]
    if in_sample:
        assert estimated.total == in_sample * scale
        assert estimated.facets["kind"][0].count == in_sample * scale
        assert estimated.estimated
    else:  # nothing in the sample: the estimate is 0, so everything is counted
        assert estimated.total == 23 and not estimated.estimated
    assert estimated.hits
    assert not exact.estimated


@pytest.fixture
def overestimated(snow, monkeypatch):
    """Every row is in the counted sample but each counts for 10: the 23 matches are
    estimated at 230, deterministically; the ranked window is 4 + 2 titles."""
    monkeypatch.setattr(postgres, "SAMPLE_BUCKETS", 640)
    monkeypatch.setattr(postgres, "PAGE_SAMPLE_BUCKETS", 64)
    monkeypatch.setattr(postgres, "EXACT_COUNT_LIMIT", 0)
    monkeypatch.setattr(postgres, "RANK_WINDOW", 4)
    monkeypatch.setattr(postgres, "TITLE_WINDOW", 2)


def test_a_sampled_search_says_its_counts_are_estimates(overestimated, backend, member):
    results = find(backend, member, "déneigement")
    assert results.estimated and results.total == 230 and results.page_count == 23
    assert {f.value: f.count for f in results.facets["kind"]} == {"question": 230}


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_the_page_where_the_matches_run_out_gives_their_real_number(
    overestimated, backend, member, sort
):
    results = find(backend, member, "déneigement", page=3, sort=sort)
    assert len(results.hits) == 3
    assert (results.total, results.page, results.page_count) == (23, 3, 3)


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_a_page_past_the_real_matches_becomes_the_last_page(overestimated, backend, member, sort):
    last = find(backend, member, "déneigement", page=3, sort=sort)
    past = find(backend, member, "déneigement", page=20, sort=sort)
    assert (past.total, past.page, past.page_count) == (23, 3, 3)
    assert [hit.uid for hit in past.hits] == [hit.uid for hit in last.hits]


def test_the_permission_filter_can_use_its_index(backend):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT uid FROM search_searchentry WHERE principals && %s::text[]",
            [["public"]],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "search_entry_principals" in plan


def test_principals_and_folded_titles_are_generated_from_the_document(backend, ask, index):
    index(ask("Élagage des arbres en bordure de voirie"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT principals, title_folded FROM search_searchentry WHERE kind = %s", ["question"]
        )
        principals, folded = cursor.fetchone()
    assert principals == ["members", "qa-public"]
    assert folded == "elagage des arbres en bordure de voirie"


def test_search_settings_do_not_leak_into_the_callers_transaction(snow, backend, member):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), current_setting('jit')")
        before = cursor.fetchone()
        find(backend, member, "déneigement")
        backend.suggest("deneigemnt", principals_for(member))
        cursor.execute("SELECT current_setting('enable_seqscan'), current_setting('jit')")
        assert cursor.fetchone() == before

"""The results page and the similar-questions endpoint, through the test client."""

import pytest
from django.db import connection
from django.test import override_settings

from qa import services as qa_services
from tests import factories
from tests.module_transaction import module_transaction
from website.search import services
from website.search.backends import reset_backends
from website.search.documents import uid_of

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", params=["whoosh", "postgres"])
def threads(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """Thirteen questions in a fresh index, on each backend the database allows: built once per
    backend for the module, in a transaction rolled back at its end (the tests only read)."""
    if request.param == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the postgres backend needs PostgreSQL (CI runs the suite there too)")
    folder = tmp_path_factory.mktemp("search-views")
    with override_settings(SEARCH_BACKEND=request.param, SEARCH_INDEX_DIR=str(folder)):
        reset_backends()
        try:
            with module_transaction(django_db_blocker):
                yield _ask_and_index()
        finally:
            reset_backends()


def _ask_and_index():
    services.rebuild()
    author = factories.UserFactory()
    water = factories.TopicFactory(name="Eau potable", slug="eau-potable")
    body = "Merci pour vos retours d'expérience sur ce point."
    questions = [
        qa_services.question_create(
            author=author, title=f"Facturation de l'eau potable, cas {n}", body=body, topics=[water]
        )
        for n in range(12)
    ]
    questions.append(
        qa_services.question_create(
            author=author, title="Mutualisation des secrétaires de mairie", body=body, topics=[]
        )
    )
    services.sync([uid_of(question) for question in questions])
    return questions


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def test_the_page_lists_highlighted_results_with_facets(threads, member_client):
    response = member_client.get("/recherche/", {"q": "facturation"})
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert "12 résultats pour « facturation »" in content
    assert "<mark>Facturation</mark>" in content
    assert "Eau potable" in content and "(12)" in content
    assert "?q=facturation&amp;topics=eau-potable" in content


def test_a_facet_link_filters_and_a_second_click_removes_the_filter(threads, member_client):
    filtered = member_client.get("/recherche/", {"q": "facturation", "topics": "eau-potable"})
    content = filtered.content.decode()
    assert 'aria-current="true"' in content
    assert "Retirer le filtre" in content
    assert 'href="?q=facturation"' in content


def test_results_are_paged_and_a_page_beyond_the_end_shows_the_last(threads, member_client):
    second = member_client.get("/recherche/", {"q": "facturation", "page": "2"})
    assert "page 2 sur 2" in second.content.decode()
    beyond = member_client.get("/recherche/", {"q": "facturation", "page": "9999"})
    assert beyond.status_code == 200
    assert "page 2 sur 2" in beyond.content.decode()


def test_a_misspelt_word_runs_the_corrected_query_at_once(threads, member_client):
    content = member_client.get("/recherche/", {"q": "mutulisation"}).content.decode()
    assert "Résultats pour « mutualisation »." in content
    assert 'href="?q=mutulisation&amp;forcer=1"' in content
    assert "Rechercher plutôt « mutulisation »" in content
    assert "des secrétaires de mairie" in content


@pytest.mark.parametrize(
    "query",
    [
        " ".join(f"facturation{n} eau" for n in range(25)),  # 50 words
        "*",
        '"eau potable',
        "eau",  # a 3-letter word: never fuzzy
        "zqxw",
    ],
)
def test_hard_queries_get_a_normal_page(threads, member_client, query):
    response = member_client.get("/recherche/", {"q": query})
    content = response.content.decode()
    assert response.status_code == 200
    assert '<div id="search-results"' in content
    assert "résultat" in content or "Saisissez un ou plusieurs mots" in content


def test_the_original_query_can_be_forced(threads, member_client):
    content = member_client.get(
        "/recherche/", {"q": "mutulisation", "forcer": "1"}
    ).content.decode()
    assert "Résultats pour" not in content
    assert "résultat" in content and "pour « mutulisation »" in content
    assert "Aucun résultat ne contient tous les mots" in content


def test_an_empty_query_explains_what_to_type(search_backend, member_client):
    content = member_client.get("/recherche/").content.decode()
    assert "Saisissez un ou plusieurs mots" in content


def test_a_query_of_stop_words_explains_itself(search_backend, member_client):
    content = member_client.get("/recherche/", {"q": "les de la"}).content.decode()
    assert "mots trop courants" in content


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"marchés publics'},
        {"q": "AND"},
        {"q": "OR NOT"},
        {"q": "*"},
        {"q": "eau*"},
        {"q": "x" * 5000},
        {"q": "mot " * 1250},
        # A NUL is refused before the view (tests/security/test_nul_character.py).
        {"q": "\x01\x1b[31m eau \x7f"},
        {"q": "😀 eau 🚰"},
        {"q": "title:eau acl:public"},
        {"q": "eau", "topics": "inconnu", "kind": "<script>", "year": "99999"},
        {"q": "eau", "page": "-3"},
        {"q": "eau", "page": "abc"},
        {"q": "eau", "page": "9" * 50},
        {"q": "eau", "tri": "n-importe-quoi"},
        {"q": ["eau", "voirie"]},
    ],
)
def test_bad_input_never_breaks_the_page(threads, member_client, params):
    response = member_client.get("/recherche/", params)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main")[1].split("</main>")[0]


def test_an_htmx_request_gets_only_the_results(threads, member_client):
    response = member_client.get(
        "/recherche/", {"q": "facturation"}, headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert "<html" not in content and 'id="search-results"' in content


def test_the_page_needs_few_queries(threads, member_client, django_assert_max_num_queries):
    # PostgreSQL: 13 when a result's own text shows no query word (here, title-only hits): one
    # query for the page looks for a snippet in the attached files of those results.
    with django_assert_max_num_queries(13):
        response = member_client.get("/recherche/", {"q": "facturation"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "12 résultats pour « facturation »" in content
    assert "<mark>Facturation</mark>" in content


def test_the_similar_endpoint_answers_from_three_words(threads, member_client):
    assert member_client.get("/recherche/similaires/", {"titre": "facturation eau"}).json() == {
        "results": []
    }
    data = member_client.get(
        "/recherche/similaires/", {"titre": "Comment mutualiser un secrétaire de mairie ?"}
    ).json()
    assert data["results"][0]["title"] == "Mutualisation des secrétaires de mairie"
    assert data["results"][0]["url"].startswith("/questions/")


def test_the_similar_endpoint_gives_the_ask_form_its_fragment_for_htmx(threads, member_client):
    mutualisation = threads[-1]
    response = member_client.get(
        "/recherche/similaires/",
        {"title": "Comment mutualiser un secrétaire de mairie ?"},
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert 'id="qa-similar"' in content
    assert mutualisation.get_absolute_url() in content
    excluded = member_client.get(
        "/recherche/similaires/",
        {"titre": "Comment mutualiser un secrétaire de mairie ?", "exclure": mutualisation.pk},
    ).json()
    assert all(r["id"] != mutualisation.pk for r in excluded["results"])


def test_the_similar_endpoint_tolerates_junk(threads, member_client):
    response = member_client.get("/recherche/similaires/", {"titre": "\x01 * AND 😀 " * 200})
    assert response.status_code == 200


def test_the_header_search_box_lands_on_the_results_page(threads, member_client):
    home = member_client.get("/recherche/", {"q": "eau"}).content.decode()
    assert 'action="/recherche/"' in home


def test_health_reports_the_index_state(search_backend, client):
    assert client.get("/sante/").json()["checks"]["search"] == "ok"


def test_an_estimated_total_and_estimated_facets_say_so(whoosh_backend, member_client, monkeypatch):
    """A backend that samples a large result set (PostgreSQL above a threshold) flags its
    counts as estimates: the page must not present them as exact."""
    from website.search.results import FacetValue, SearchResults

    def sampled(request):
        facets = {"kind": [FacetValue(value="question", count=640)]}
        return SearchResults(
            hits=[], total=700, page=1, page_count=70, facets=facets, estimated=True
        )

    monkeypatch.setattr(whoosh_backend, "search", sampled)
    content = member_client.get("/recherche/", {"q": "commune"}).content.decode()
    assert "environ 700 résultats pour « commune »" in content
    assert "(env. 640)" in content

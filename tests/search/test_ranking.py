"""Issue 12: ranked any-word matching, typos and word forms, on both backends.

The documents here are written for these unit tests only (the relevance set lives in
tests/search/relevance/ and is not used to tune the ranking)."""

import pytest

from qa import services as qa_services
from website.search import services
from website.search.documents import principals_for
from website.search.results import SearchRequest

pytestmark = pytest.mark.django_db


def find(backend, user, query, **kwargs):
    return backend.search(SearchRequest(query=query, principals=principals_for(user), **kwargs))


def ranked(results):
    return [hit.title for hit in results.hits]


@pytest.fixture
def threads(search_backend, ask, index):
    questions = [
        ask(
            "Quelle subvention pour rénover la cantine ?",
            body="La commune veut refaire la salle de restauration des enfants.",
        ),
        ask(
            "Subvention pour la rénovation énergétique de l'école",
            body="Isolation et chauffage du groupe scolaire, quels financements ?",
        ),
        ask("Horaires d'ouverture de la déchèterie", body="Le syndicat change les horaires."),
        ask("Délibération sur les tarifs municipaux", body="Vote du conseil en décembre."),
        ask("Urbanisme : permis de construire tacite", body="Délai d'instruction dépassé."),
        ask("Tondeuse partagée entre communes", body="Convention de prêt de matériel."),
    ]
    index(*questions)
    return questions


# --- Any-word matching -----------------------------------------------------------------------


def test_one_missing_word_no_longer_empties_the_page(threads, search_backend, member):
    results = find(search_backend, member, "subvention rénovation cantine piscine")
    assert ranked(results)[:2] == [
        "Quelle subvention pour rénover la cantine ?",
        "Subvention pour la rénovation énergétique de l'école",
    ]
    assert results.all_words is False


def test_documents_holding_every_word_come_first(threads, search_backend, member):
    # The second thread holds subvention, rénovation and école; the first only two of them,
    # although its title is shorter.
    results = find(search_backend, member, "subvention rénovation école")
    assert ranked(results)[0] == "Subvention pour la rénovation énergétique de l'école"
    assert "Quelle subvention pour rénover la cantine ?" in ranked(results)
    assert results.all_words is True


def test_nothing_is_found_only_when_no_word_exists(threads, search_backend, member):
    results = find(search_backend, member, "zzkvol qqxpeut")
    assert results.hits == []
    assert results.total == 0


def test_a_quoted_phrase_stays_required_and_a_dash_still_excludes(threads, search_backend, member):
    assert ranked(find(search_backend, member, '"permis de construire" subvention')) == [
        "Urbanisme : permis de construire tacite"
    ]
    found = ranked(find(search_backend, member, "subvention -cantine"))
    assert found == ["Subvention pour la rénovation énergétique de l'école"]


def test_a_phrase_match_ranks_above_scattered_words(search_backend, ask, index, member):
    index(
        ask("Transport scolaire et cantine", body="Le bus passe tôt, le repas est servi tard."),
        ask("Le transport des repas de la cantine scolaire", body="Camion frigorifique."),
    )
    results = find(search_backend, member, "cantine scolaire")
    assert ranked(results)[0] == "Le transport des repas de la cantine scolaire"


@pytest.mark.parametrize("solved_first", [True, False])
def test_a_thread_with_an_accepted_answer_gets_a_small_boost(
    search_backend, ask, index, member, make_user, solved_first
):
    # Equal scores are ordered by age on one backend and by index order on the other:
    # created in both orders, the answered thread must come first either way.
    first = ask("Élagage des haies en bord de route", body="Qui paie l'élagage ?")
    second = ask("Élagage des haies en bord de route", body="Qui paie l'élagage ?")
    solved, plain = (first, second) if solved_first else (second, first)
    for question in (plain, solved):  # the same text: only the acceptance differs
        answer = qa_services.answer_create(
            question=question, author=make_user(), body="Le riverain, après mise en demeure."
        )
    qa_services.answer_accept(answer=answer, by=solved.author)
    index(plain, solved)
    results = find(search_backend, member, "élagage haies")
    assert [hit.uid for hit in results.hits] == [f"question:{solved.pk}", f"question:{plain.pk}"]


# --- Typos and word forms --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("delibaration tarifs", "Délibération sur les tarifs municipaux"),
        ("déchetterie horaires", "Horaires d'ouverture de la déchèterie"),
        ("dechetterie", "Horaires d'ouverture de la déchèterie"),
        ("urbanism", "Urbanisme : permis de construire tacite"),
        ("tondeuses partagees", "Tondeuse partagée entre communes"),
        ("subvension", "Quelle subvention pour rénover la cantine ?"),
    ],
)
def test_typos_and_word_forms_find_the_thread(threads, search_backend, member, query, title):
    assert title in ranked(find(search_backend, member, query))[:2]


def test_short_words_are_never_fuzzy(search_backend, ask, index, member):
    index(ask("Le parc éolien du plateau", body="Concertation publique."))
    # "parc" (4 letters) is one letter from "pare", which must not find it.
    assert find(search_backend, member, "pare").hits == []


def test_fuzzy_terms_come_only_from_what_the_member_may_see(
    search_backend, ask, index, make_page, member, editor
):
    restricted = make_page(
        "Convention confidentielissime",
        "Budget réservé.",
        restriction="groups",
        groups=["Éditeurs"],
    )
    index(restricted, ask("Tondeuse partagée entre communes"))
    assert find(search_backend, member, "confidentielisime").hits == []
    assert ranked(find(search_backend, editor, "confidentielisime")) == [
        "Convention confidentielissime"
    ]


def test_did_you_mean_ignores_words_the_member_may_not_see(
    search_backend, ask, index, make_page, member, editor
):
    """A word only a restricted page holds is unknown to a member: "did you mean" corrects
    it from what they may see, exactly as if the page did not exist, instead of keeping it
    (which told them a hidden document held it; finding 13.12)."""
    restricted = make_page(
        "Balisage des sentiers", "Réservé.", restriction="groups", groups=["Éditeurs"]
    )
    index(restricted, ask("Calendrier du balayage des rues", body="Passage mensuel."))
    assert search_backend.suggest("balisage", principals_for(member)) == "balayage"
    assert search_backend.suggest("balisage", principals_for(editor)) == ""


def test_the_corrected_query_runs_at_once_when_nothing_holds_every_word(
    threads, search_backend, member
):
    outcome = services.search_for(member, "horiares déchèterie")
    assert outcome.corrected_from == "horiares déchèterie"
    assert outcome.query == "horaires déchèterie"
    assert ranked(outcome.results)[0] == "Horaires d'ouverture de la déchèterie"
    assert outcome.results.all_words is True
    forced = services.search_for(member, "horiares déchèterie", force=True)
    assert forced.corrected_from == ""
    assert forced.query == "horiares déchèterie"
    assert forced.partial is True


# --- Bad input ----------------------------------------------------------------------------


def test_a_fifty_word_query_is_answered(threads, search_backend, member):
    words = " ".join(["subvention", "cantine", "commune", "horaires", "déchèterie"] * 10)
    results = find(search_backend, member, words)
    assert "Quelle subvention pour rénover la cantine ?" in ranked(results)


@pytest.mark.parametrize("query", ["*", '"cantine', 'subvention "', "ab", '""', "-*"])
def test_odd_queries_never_fail(threads, search_backend, member, query):
    results = find(search_backend, member, query)
    assert results.total >= 0

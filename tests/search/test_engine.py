"""The search engine on each backend: French matching, highlights, facets, order, pages."""

import pytest

from website.search import services
from website.search.documents import principals_for
from website.search.results import SearchRequest

pytestmark = pytest.mark.django_db


def find(backend, user, query, **kwargs):
    return backend.search(SearchRequest(query=query, principals=principals_for(user), **kwargs))


def titles(results):
    return {hit.title for hit in results.hits}


@pytest.fixture
def corpus(search_backend, ask, index, make_topic):
    water = make_topic(name="Eau et assainissement", slug="eau")
    purchase = make_topic(name="Commande publique", slug="commande-publique")
    questions = [
        ask("Mutualiser les marchés publics des communes", topics=[purchase]),
        ask("Schéma de mutualisation du Pays", body="Le schéma est voté en conseil."),
        ask("Réseau informatique de la mairie", body="Le serveur tombe en panne."),
        ask("Réseaux d'eau potable et compteurs", topics=[water]),
        ask("L'intercommunalité gère l'eau", body="Transfert de compétence.", topics=[water]),
        ask("Publics prioritaires des marchés du dimanche", body="Placier et halles."),
    ]
    index(*questions)
    return questions


@pytest.mark.parametrize("query", ["mutualiser", "mutualisation", "mutualisé", "MUTUALISATION"])
def test_every_form_of_mutualiser_finds_both_threads(corpus, search_backend, member, query):
    assert titles(find(search_backend, member, query)) == {
        "Mutualiser les marchés publics des communes",
        "Schéma de mutualisation du Pays",
    }


@pytest.mark.parametrize("query", ["réseau", "reseaux", "Réseaux", "reseau"])
def test_reseau_and_reseaux_match_with_or_without_accents(corpus, search_backend, member, query):
    assert titles(find(search_backend, member, query)) == {
        "Réseau informatique de la mairie",
        "Réseaux d'eau potable et compteurs",
    }


def test_a_quoted_phrase_needs_the_words_together(corpus, search_backend, member):
    found = titles(find(search_backend, member, '"marchés publics"'))
    assert found == {"Mutualiser les marchés publics des communes"}
    both_words = titles(find(search_backend, member, "marchés publics"))
    assert "Publics prioritaires des marchés du dimanche" in both_words


def test_an_unaccented_phrase_still_matches(corpus, search_backend, member):
    assert titles(find(search_backend, member, '"marches publics"')) == {
        "Mutualiser les marchés publics des communes"
    }


def test_the_elided_article_does_not_hide_the_word(corpus, search_backend, member):
    for query in ("intercommunalité", "l'intercommunalité", "L’intercommunalite"):
        assert titles(find(search_backend, member, query)) == {"L'intercommunalité gère l'eau"}


def test_every_word_ranks_first_and_a_dash_excludes(corpus, search_backend, member):
    results = find(search_backend, member, "eau compteurs")
    assert results.hits[0].title == "Réseaux d'eau potable et compteurs"
    assert titles(results) == {
        "Réseaux d'eau potable et compteurs",
        "L'intercommunalité gère l'eau",
    }
    assert titles(find(search_backend, member, "eau -compteurs")) == {
        "L'intercommunalité gère l'eau"
    }


def test_highlights_mark_the_words_found_through_stemming(corpus, search_backend, member):
    results = find(search_backend, member, "mutualisation")
    by_title = {hit.title: hit for hit in results.hits}
    assert (
        "<mark>Mutualiser</mark>"
        in by_title["Mutualiser les marchés publics des communes"].title_html
    )
    schema = by_title["Schéma de mutualisation du Pays"]
    assert "<mark>mutualisation</mark>" in schema.title_html


def test_the_snippet_comes_from_the_body(corpus, search_backend, member):
    hit = find(search_backend, member, "serveur").hits[0]
    assert "<mark>serveur</mark>" in hit.snippet_html


def test_user_text_is_escaped_in_titles_and_snippets(search_backend, ask, index, member):
    index(ask("Balise <script>alert(1)</script> dans un titre", body="<b>gras</b> balise"))
    hit = find(search_backend, member, "balise").hits[0]
    assert "<script>" not in hit.title_html and "&lt;script&gt;" in hit.title_html
    assert "<b>" not in hit.snippet_html


def test_the_title_counts_more_than_the_body(search_backend, ask, index, member):
    index(
        ask("Question sur la voirie communale", body="Rien d'autre."),
        ask("Autre sujet entièrement", body="On parle un peu de voirie ici, en passant."),
    )
    results = find(search_backend, member, "voirie")
    assert results.hits[0].title == "Question sur la voirie communale"


def test_facets_count_kinds_and_topics_and_combine_as_filters(corpus, search_backend, member):
    results = find(search_backend, member, "eau")
    topics = {f.value: f.count for f in results.facets["topics"]}
    assert topics == {"eau": 2}
    kinds = {f.value: f.count for f in results.facets["kind"]}
    assert kinds == {"question": 2}
    filtered = find(search_backend, member, "marchés", filters={"topics": "commande-publique"})
    assert titles(filtered) == {"Mutualiser les marchés publics des communes"}
    combined = find(
        search_backend,
        member,
        "marchés",
        filters={"topics": "commande-publique", "kind": "discussion"},
    )
    assert combined.total == 0


def test_year_and_structure_facets_come_from_the_documents(
    search_backend, ask, index, member, make_structure, make_position
):
    structure = make_structure(name="Commune de Valbois", slug="valbois")
    make_position(person__user=member, structure=structure)
    question = ask("Astreinte hivernale des agents")
    index(question)
    results = find(search_backend, member, "astreinte")
    assert {f.value for f in results.facets["year"]} == {str(question.created_at.year)}


def test_an_unknown_facet_value_finds_nothing_without_error(corpus, search_backend, member):
    results = find(search_backend, member, "eau", filters={"topics": "n-existe-pas"})
    assert results.total == 0 and results.hits == []


def test_results_page_through_and_clamp_out_of_range_pages(search_backend, ask, index, member):
    index(*[ask(f"Déneigement des routes, cas numéro {n}") for n in range(23)])
    first = find(search_backend, member, "déneigement", per_page=10)
    assert (first.total, first.page_count, len(first.hits)) == (23, 3, 10)
    last = find(search_backend, member, "déneigement", per_page=10, page=3)
    assert len(last.hits) == 3
    beyond = find(search_backend, member, "déneigement", per_page=10, page=999)
    assert beyond.page == 3 and len(beyond.hits) == 3
    seen = {
        h.uid for p in (1, 2, 3) for h in find(search_backend, member, "déneigement", page=p).hits
    }
    assert len(seen) == 23


def test_date_order_puts_the_newest_first(search_backend, ask, index, member):
    from datetime import timedelta

    from django.utils import timezone

    old = ask("Cimetière : reprise des concessions")
    old.created_at = timezone.now() - timedelta(days=400)
    old.save()
    new = ask("Cimetière communal : règlement intérieur")
    index(old, new)
    results = find(search_backend, member, "cimetière", sort="date")
    assert [h.title for h in results.hits] == [new.title, old.title]


def test_did_you_mean_corrects_a_misspelt_word(corpus, search_backend, member):
    # The typo is found through its closest visible term, but not as typed.
    assert find(search_backend, member, "mutulisation").all_words is False
    assert search_backend.suggest("mutulisation", principals_for(member)) == "mutualisation"


def test_did_you_mean_stays_quiet_when_the_words_exist(corpus, search_backend, member):
    assert search_backend.suggest("réseau", principals_for(member)) == ""


def test_similar_questions_rank_the_closest_title_first(corpus, search_backend, member):
    hits = services.similar_for(member, "Comment mutualiser nos marchés publics ?")
    assert hits[0].title == "Mutualiser les marchés publics des communes"


def test_similar_questions_wait_for_three_words(corpus, search_backend, member):
    assert services.similar_for(member, "mutualiser marchés") == []


def test_people_are_found_by_name_with_or_without_accents(
    search_backend, index, member, make_person, make_position
):
    person = make_person(first_name="Hélène", last_name="Lefèvre")
    make_position(person=person, function="Secrétaire de mairie")
    index(person)
    for query in ("Hélène", "helene", "Lefevre", "lefèvre", "HÉLÈNE LEFÈVRE"):
        assert titles(find(search_backend, member, query)) == {"Hélène Lefèvre"}, query
    assert titles(find(search_backend, member, "secrétaire")) == {"Hélène Lefèvre"}


def test_structures_are_indexed_with_their_competences(
    search_backend, index, member, make_structure, make_topic
):
    from directory.models import Competence

    structure = make_structure(name="Communauté de communes des Trois Vallées", slug="cc-3v")
    Competence.objects.create(structure=structure, topic=make_topic(name="Déchets", slug="dechets"))
    index(structure)
    results = find(search_backend, member, "déchets")
    assert titles(results) == {"Communauté de communes des Trois Vallées"}
    assert results.hits[0].kind == "structure"


def test_pages_are_indexed_with_their_text(search_backend, index, visitor, make_page):
    page = make_page("Mentions légales", "Hébergeur du site et directeur de publication.")
    index(page)
    results = find(search_backend, visitor, "hébergeur")
    assert titles(results) == {"Mentions légales"}
    assert results.hits[0].url == page.url


def test_faq_entries_are_results_of_their_own_with_their_topic(
    search_backend, index, member, make_topic
):
    from wagtail.models import Site

    from website.pages.models import FaqEntry, FaqIndexPage

    topic = make_topic(name="État civil", slug="etat-civil")
    home = Site.objects.get(is_default_site=True).root_page
    faq = FaqIndexPage(title="Questions fréquentes", slug="faq")
    home.add_child(instance=faq)
    entry = FaqEntry(
        page=faq,
        question="Comment délivrer un livret de famille ?",
        answer="<p>En mairie.</p>",
        topic=topic,
    )
    entry.save()
    faq.save_revision().publish()
    index(faq, entry)
    results = find(search_backend, member, "livret famille")
    assert [h.title for h in results.hits] == ["Comment délivrer un livret de famille ?"]
    assert results.hits[0].kind == "faq"
    assert results.hits[0].url.endswith(f"#faq-{entry.pk}")
    assert {f.value for f in results.facets["topics"]} == {"etat-civil"}


def test_did_you_mean_offers_the_words_with_their_accents(whoosh_backend, ask, index, member):
    index(ask("Marchés publics de déneigement"))
    assert whoosh_backend.suggest("déneigemnet", principals_for(member)) == "déneigement"


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_a_phrase_of_common_words_is_checked_in_page_order(
    whoosh_backend, member, sort, monkeypatch
):
    """Above `PHRASE_CHECK_LIMIT` candidates, Whoosh checks phrase positions in the page's
    order only until the page is full: the hits are those of the exact search, the total
    is an estimate and says so."""
    from datetime import UTC, datetime, timedelta

    from website.search.backends import whoosh as whoosh_module
    from website.search.results import SearchDocument, SearchRequest

    start = datetime(2026, 1, 1, tzinfo=UTC)
    whoosh_backend.index(
        SearchDocument(
            uid=f"question:{n}",
            kind="question",
            title=f"Note {n}",
            url=f"/questions/{n}/",
            acl=("members",),
            body=("marchés publics du canton" if n % 3 == 0 else "publics et marchés du canton")
            + " voirie" * (n % 5),
            date=start + timedelta(days=n),
        )
        for n in range(1, 61)
    )

    def search(page):
        request = SearchRequest(
            query='"marchés publics"',
            principals=principals_for(member),
            sort=sort,
            page=page,
            per_page=5,
        )
        return whoosh_backend.search(request)

    exact = [search(page) for page in (1, 2, 3)]
    assert exact[0].total == 20 and not exact[0].estimated
    monkeypatch.setattr(whoosh_module, "PHRASE_CHECK_LIMIT", 10)
    monkeypatch.setattr(whoosh_module, "PHRASE_SAMPLE", 12)
    monkeypatch.setattr(whoosh_module, "PHRASE_BATCH", 4)
    # Fewer candidates put in order first than pages 2 and 3 need: the rest follow.
    monkeypatch.setattr(whoosh_module, "PHRASE_ORDER_WINDOW", 6)
    for page, expected in zip((1, 2, 3), exact, strict=True):
        sampled = search(page)
        assert [h.uid for h in sampled.hits] == [h.uid for h in expected.hits]
        assert sampled.page == page
    assert sampled.estimated and 10 <= sampled.total <= 40
    assert sum(f.count for f in sampled.facets["kind"]) == sampled.total

"""Issue 12 §3: the vocabulary of local government, applied at query time on both backends,
and maintained by editors in the Wagtail admin."""

import pytest
from wagtail.models import Revision

from website.search.documents import principals_for
from website.search.models import Synonym
from website.search.results import SearchRequest

pytestmark = pytest.mark.django_db


def find(backend, user, query):
    return backend.search(SearchRequest(query=query, principals=principals_for(user)))


def ranked(results):
    return [hit.title for hit in results.hits]


@pytest.fixture
def threads(search_backend, ask, index):
    questions = [
        ask("Transfert de la voirie à la communauté de communes", body="Quelles routes ?"),
        ask("Objectif ZAN et révision du PLU", body="Quelles surfaces restent ouvertes ?"),
        ask("Tarifs de la restauration scolaire", body="Quotient familial des repas."),
        ask("Tournée de collecte des déchets en été", body="Un passage de plus en août."),
        ask("Prix des repas à la cantine du village", body="Hausse du prestataire."),
    ]
    index(*questions)
    return questions


def test_the_shipped_list_holds_at_least_sixty_entries_of_local_government():
    entries = list(Synonym.objects.values_list("terms", flat=True))
    assert len(entries) >= 60
    joined = "\n".join(entries)
    for expected in ("ZAN, zéro artificialisation nette", "CCAS", "GEMAPI", "OM, ordures"):
        assert expected in joined


def test_an_acronym_finds_its_expansion(threads, search_backend, member):
    # acronym → phrase: "CC" finds "communauté de communes"
    assert ranked(find(search_backend, member, "CC voirie"))[0] == (
        "Transfert de la voirie à la communauté de communes"
    )


def test_an_expansion_finds_its_acronym(threads, search_backend, member):
    # phrase → acronym: "zéro artificialisation nette" finds "ZAN"
    found = ranked(find(search_backend, member, "zéro artificialisation nette"))
    assert found == ["Objectif ZAN et révision du PLU"]


def test_a_multi_word_synonym_finds_a_one_word_one(threads, search_backend, member):
    # "ramassage des ordures" → "collecte des déchets"
    found = ranked(find(search_backend, member, "ramassage des ordures"))
    assert found == ["Tournée de collecte des déchets en été"]


def test_a_plain_synonym_weighs_less_than_the_typed_word(threads, search_backend, member):
    results = find(search_backend, member, "cantine")
    # Both threads are found; the one with the typed word comes first.
    assert ranked(results) == [
        "Prix des repas à la cantine du village",
        "Tarifs de la restauration scolaire",
    ]
    assert results.hits[0].score > results.hits[1].score


def test_a_synonym_counts_as_the_word_for_all_words(threads, search_backend, member):
    results = find(search_backend, member, "tarifs cantine")
    assert ranked(results)[0] == "Tarifs de la restauration scolaire"
    assert results.all_words is True


def test_a_loop_expands_one_level_only(search_backend, ask, index, member):
    Synonym.objects.create(terms="lagunage, bassin filtrant")
    Synonym.objects.create(terms="bassin filtrant, lagunage")
    Synonym.objects.create(terms="bassin filtrant, roselière")
    index(
        ask("Entretien du lagunage communal"),
        ask("Curage du bassin filtrant"),
        ask("Plantation de la roselière"),
    )
    found = ranked(find(search_backend, member, "lagunage"))
    # lagunage → bassin filtrant, never bassin filtrant → roselière
    assert found == ["Entretien du lagunage communal", "Curage du bassin filtrant"]


def test_a_query_expanding_to_hundreds_of_terms_is_capped(search_backend, ask, index, member):
    from website.search import expansion

    for n in range(40):
        Synonym.objects.create(terms=", ".join(f"mot{n}x{k}" for k in range(12)))
    query = " ".join(f"mot{n}x0" for n in range(12))
    plan = expansion.plan(query)
    added = [a for g in plan.groups for a in g.alternatives if a.source == expansion.SYNONYM]
    assert 0 < len(added) <= expansion.MAX_EXPANSIONS
    index(ask("Un fil sans rapport"))
    assert find(search_backend, member, query).total == 0


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ("<script>alert(1)</script>, piège", "balises HTML"),
        ("mairie, " + "a" * 5000, "500 caractères"),
        ("seul", "au moins deux termes"),
    ],
)
def test_an_entry_with_html_or_too_long_is_refused(terms, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        Synonym(terms=terms).full_clean()
    assert message in str(error.value)


def test_an_entry_written_around_the_form_is_ignored(search_backend, ask, index, member):
    Synonym.objects.create(terms="<b>friche</b>, terrain vague")
    Synonym.objects.create(terms="friche, terrain " + "vague" * 60)  # one term > 80 chars
    index(ask("Reconversion d'un terrain vague"))
    assert find(search_backend, member, "friche").hits == []


def test_saving_an_entry_changes_the_next_search(search_backend, ask, index, member):
    index(ask("Mise en place du compostage partagé"))
    assert find(search_backend, member, "biodéchets").hits == []
    entry = Synonym.objects.create(terms="biodéchets, compostage")
    assert ranked(find(search_backend, member, "biodéchets")) == [
        "Mise en place du compostage partagé"
    ]
    entry.delete()
    assert find(search_backend, member, "biodéchets").hits == []


def test_an_editor_edits_an_entry_in_the_admin_and_the_history_records_it(client, editor, member):
    entry = Synonym.objects.get(terms__startswith="ZAN,")
    client.force_login(editor)
    url = f"/admin/snippets/search/synonym/edit/{entry.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "zéro artificialisation nette" in page.content.decode()
    response = client.post(
        url, {"terms": "ZAN, zéro artificialisation nette, sobriété foncière", "note": ""}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.terms == "ZAN, zéro artificialisation nette, sobriété foncière"
    revision = Revision.objects.for_instance(entry).latest("created_at")
    assert revision.user == editor
    history = client.get(f"/admin/snippets/search/synonym/history/{entry.pk}/")
    assert history.status_code == 200
    refused = client.post(url, {"terms": "<b>ZAN</b>, sobriété", "note": ""})
    assert refused.status_code == 200
    assert "balises HTML" in refused.content.decode()
    client.force_login(member)
    assert client.get(url).status_code in (302, 403)

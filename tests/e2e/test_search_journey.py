"""Search journey: a typo corrected at once, the original words forced back, "did you mean",
a topic filter, a highlighted result, opened."""

import pytest
from django.core.management import call_command

from qa import services as qa_services
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD
from website.search.backends import reset_backends

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def search_index(settings, tmp_path):
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = str(tmp_path / "search")
    reset_backends()
    call_command("search_rebuild", stdout=None)
    yield
    reset_backends()


def test_a_member_recovers_from_a_typo_filters_by_topic_and_opens_a_result(
    search_index, new_page, axe, make_user, make_topic
):
    member = make_user(email="lucie.recherche@example.org")
    purchase = make_topic(name="Commande publique", slug="commande-publique")
    staff = make_topic(name="Ressources humaines", slug="ressources-humaines")
    # Posted through the Q&A service: indexed after the commit, as in production.
    qa_services.question_create(
        author=member,
        title="Mutualiser les marchés publics entre communes",
        body="Un groupement de commandes pour les fournitures scolaires ?",
        topics=[purchase],
    )
    qa_services.question_create(
        author=member,
        title="Convention de mutualisation d'un secrétaire de mairie",
        body="Quelle répartition des heures entre les communes ?",
        topics=[staff],
    )

    page = new_page()
    login(page, member.email, TEST_PASSWORD)
    page.get_by_label("Rechercher dans Entraide").fill("mutulisation")
    page.get_by_label("Rechercher dans Entraide").press("Enter")
    page.wait_for_url("**/recherche/?q=mutulisation")
    # No document holds the word as typed: the corrected query runs at once.
    content = page.content()
    assert "Résultats pour « mutualisation »." in content
    assert "2 résultats pour « mutualisation »" in content
    axe(page)

    page.get_by_role("link", name="Rechercher plutôt « mutulisation »").click()
    page.wait_for_url("**/recherche/?q=mutulisation&forcer=1")
    assert "Aucun résultat ne contient tous les mots" in page.content()
    axe(page)

    page.get_by_role("link", name="mutualisation", exact=True).click()
    page.wait_for_url("**/recherche/?q=mutualisation")
    assert "2 résultats" in page.content()
    axe(page)

    page.get_by_role("link", name="Commande publique (1)").click()
    page.wait_for_url("**topics=commande-publique**")
    results = page.locator(".search-hit")
    assert results.count() == 1
    assert results.locator("mark").first.inner_text() == "Mutualiser"
    axe(page)

    results.get_by_role("link").first.click()
    page.wait_for_url("**/questions/**")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Mutualiser les marchés")
    axe(page)


def test_the_results_page_works_on_a_phone(search_index, new_page, axe, make_page_for_visitors):
    phone = new_page(viewport={"width": 375, "height": 740})
    phone.goto("/recherche/?q=horaires")
    assert "Horaires de la mairie" in phone.locator(".search-hit").first.inner_text()
    axe(phone)
    phone.goto("/recherche/?q=les")
    assert "mots trop courants" in phone.content()
    axe(phone)


@pytest.fixture
def make_page_for_visitors(search_index):
    from wagtail.models import Site

    from website.pages.models import ContentPage

    home = Site.objects.get(is_default_site=True).root_page
    page = ContentPage(title="Horaires de la mairie", body="<p>Ouverte le mardi matin.</p>")
    home.add_child(instance=page)
    page.save_revision().publish()
    return page

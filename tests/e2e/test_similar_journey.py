"""Similar questions journey (issue 12, item 4): a member types, in other words, the title of
a thread that already exists; the ask form shows it among the similar questions (the search
ranking, live with htmx) and the member opens it instead of asking again."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from qa import services as qa_services
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD
from website.search.backends import reset_backends

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EXISTING = "Comment monter un groupement de commandes pour le sel de déneigement ?"


@pytest.fixture
def search_index(settings, tmp_path):
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = str(tmp_path / "search")
    reset_backends()
    yield
    reset_backends()


def test_a_paraphrased_title_finds_the_existing_thread_and_opens_it(
    search_index, new_page, axe, make_user, make_topic
):
    member = make_user(email="noemie.sel@example.org")
    purchase = make_topic(name="Commande publique", slug="commande-publique")
    qa_services.question_create(
        author=make_user(),
        title=EXISTING,
        body="Avec trois communes voisines nous achetons chacune notre sel de déneigement. "
        "Faut-il une délibération de chaque conseil municipal ?",
        topics=[purchase],
    )
    qa_services.question_create(
        author=make_user(),
        title="Déneigement des routes communales par un agriculteur",
        body="Une convention avec un exploitant agricole suffit-elle ?",
        topics=[purchase],
    )
    call_command("search_rebuild", verbosity=0)

    page = new_page()
    login(page, member.email, TEST_PASSWORD)
    page.goto("/questions/poser/")
    axe(page)
    page.get_by_label("Titre").fill("Commander le sel de déneigement en groupement")
    similar = page.locator("#qa-similar")
    expect(similar).to_contain_text("Ces questions existent déjà")
    expect(similar.get_by_role("link").first).to_have_text(EXISTING)
    axe(page)

    similar.get_by_role("link", name=EXISTING).click()
    page.wait_for_url("**/questions/**/comment-monter-un-groupement-**")
    expect(page.get_by_role("heading", level=1)).to_have_text(EXISTING)
    axe(page)

"""The ask form's person chooser in the browser: type part of a name, choose the person with
the keyboard, publish; and the same without any script (search button, then radio buttons).
axe-core checks the form with its results."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from qa.models import Question
from tests.e2e.conftest import assert_role_groups_migrated, login
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def cast(make_user, make_topic, make_person, make_position, make_structure):
    assert_role_groups_migrated()
    topic = make_topic(name="Services techniques", slug="services-techniques")
    barreme = make_structure(name="Commune de Barrême", slug="commune-de-barreme")
    entrevaux = make_structure(name="Entrevaux", slug="entrevaux")
    asker = make_user(email="asker@example.org", first_name="Noémie", last_name="Vallonet")
    make_position(person=make_person(user=asker), structure=barreme, function="Maire")
    helene = make_person(first_name="Hélène", last_name="Médard")
    make_position(person=helene, structure=barreme, function="Secrétaire de mairie")
    for first_name, function in [("Ondine", "Maire"), ("Odile", "Adjointe au maire")]:
        make_position(
            person=make_person(first_name=first_name, last_name="Fictive"),
            structure=entrevaux,
            function=function,
        )
    call_command("search_rebuild", verbosity=0)
    return {"topic": topic, "asker": asker, "helene": helene}


def _fill_question(page, title):
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Détails").fill("Nous cherchons la personne qui suit les conventions.")
    page.get_by_label("Services techniques").check()


def test_a_member_chooses_a_person_by_typing_part_of_a_name(page, axe, cast):
    login(page, cast["asker"].email, TEST_PASSWORD)
    page.goto("/questions/poser/")
    _fill_question(page, "Qui suit la convention de déneigement ?")
    search = page.get_by_role("searchbox", name="Rechercher une personne dans l'annuaire")
    search.press_sequentially("meda", delay=50)
    helene = page.get_by_role("radio", name=re.compile(r"^Hélène Médard — Secrétaire de mairie"))
    expect(helene).to_be_visible()
    expect(page.locator("#qa-person-status")).to_have_text("1 personne trouvée.")
    # Enter searches again in place: the form is not sent (the page is not reloaded).
    page.evaluate("window.stillTheSamePage = true")
    # Wait for the in-place search Enter starts: helene is already visible from the first one.
    with page.expect_response(re.compile(r"/questions/destinataires/")):
        search.press("Enter")
    expect(helene).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True
    axe(page)

    # Keyboard only: past the search button, into the radio group, down to the person.
    search.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Rechercher dans l'annuaire")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="Personne en particulier")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(helene).to_be_checked()

    # Typing another search keeps the person chosen.
    search.fill("")
    search.press_sequentially("fictive", delay=50)
    expect(page.get_by_role("radio", name=re.compile(r"^Ondine Fictive"))).to_be_visible()
    expect(helene).to_be_checked()
    axe(page)

    page.get_by_role("button", name="Publier").click()
    page.wait_for_url(re.compile(r"/questions/\d+/qui-suit-la-convention"))
    expect(page.locator(".qa-addressed")).to_contain_text("Hélène Médard")
    assert Question.objects.get().addressed_to_person == cast["helene"]
    axe(page)


def test_the_chooser_works_without_scripts(new_page, axe, cast):
    page = new_page()
    page.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort())
    login(page, cast["asker"].email, TEST_PASSWORD)
    page.goto("/questions/poser/")
    assert page.evaluate("typeof window.htmx") == "undefined"
    _fill_question(page, "Qui prête la saleuse à Entrevaux ?")
    page.get_by_role("searchbox", name="Rechercher une personne dans l'annuaire").fill("fictive")
    page.get_by_role("button", name="Rechercher dans l'annuaire").click()
    expect(page.locator("#qa-person-status")).to_have_text("2 personnes trouvées.")
    expect(page.get_by_label("Titre")).to_have_value("Qui prête la saleuse à Entrevaux ?")
    axe(page)

    # Publishing with two matches and no choice: a clear error, nothing lost.
    page.get_by_role("button", name="Publier").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    expect(page.locator("#id_person_query_error")).to_contain_text(
        "Plusieurs personnes correspondent à « fictive »"
    )
    axe(page)

    page.get_by_role("radio", name=re.compile(r"^Ondine Fictive — Maire, Entrevaux")).check()
    page.get_by_role("button", name="Publier").click()
    page.wait_for_url(re.compile(r"/questions/\d+/qui-prete-la-saleuse"))
    expect(page.locator(".qa-addressed")).to_contain_text("Ondine Fictive")

"""@mentions in the browser (issue 20, item 1): a member types « @Dup » in the answer editor,
picks a person with the keyboard, posts; the answer links to the person's entry and the person
has a notification. axe runs with the list open and on each page."""

import re

import pytest
from playwright.sync_api import expect

from qa import services
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_member_mentions_a_person_with_the_keyboard_and_the_person_is_notified(
    new_page, axe, make_user, make_topic
):
    topic = make_topic(name="Voirie", slug="voirie")
    asker = make_user(email="asker@example.org")
    author = make_user(email="auteur@example.org", first_name="Élise", last_name="Auteure")
    paul = make_user(email="paul@example.org", first_name="Paul", last_name="Dupuis")
    dupont = PersonFactory(first_name="Marie", last_name="Dupont")  # no account
    dupuis = PersonFactory(first_name="Paul", last_name="Dupuis", user=paul)
    PersonFactory(first_name="Jeanne", last_name="Dupré", is_listed=False)
    question = services.question_create(
        author=asker,
        title="Mutualiser le balayage des rues entre communes",
        body="Qui partage une balayeuse avec ses voisins ?",
        topics=[topic],
    )

    page = new_page()
    login(page, author.email, TEST_PASSWORD)
    page.goto(question.get_absolute_url())
    editor = page.get_by_role("textbox", name="Votre réponse")
    editor.click()
    editor.press_sequentially("Demandez à @Dup")
    listbox = page.get_by_role("listbox", name="Personnes de l'annuaire à mentionner")
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    expect(options).to_have_count(2)  # Jeanne Dupré objected to the directory: not offered
    expect(options.first).to_contain_text("Marie Dupont")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(editor).to_have_attribute("aria-activedescendant", re.compile(r"-0$"))
    expect(page.get_by_role("status").filter(has_text="Personnes trouvées : 2")).to_be_attached()
    axe(page)

    editor.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(editor).to_have_attribute("aria-activedescendant", re.compile(r"-1$"))
    editor.press("Enter")
    expect(listbox).to_be_hidden()
    mention = f"@[Paul Dupuis](personne:{dupuis.pk}) "
    expect(editor).to_have_value(f"Demandez à {mention}")
    editor.press_sequentially("qui a fait la même démarche.")
    expect(editor).to_have_value(f"Demandez à {mention}qui a fait la même démarche.")

    # Escape closes the list without inserting anything; Tab inserts the highlighted person.
    editor.press_sequentially(" Et @Dup")
    expect(listbox).to_be_visible()
    editor.press("Escape")
    expect(listbox).to_be_hidden()
    expect(editor).to_have_value(f"Demandez à {mention}qui a fait la même démarche. Et @Dup")
    editor.press_sequentially("o")
    expect(options).to_have_count(1)
    editor.press("Tab")
    expect(editor).to_be_focused()
    marie = f"@[Marie Dupont](personne:{dupont.pk}) "
    expect(editor).to_have_value(f"Demandez à {mention}qui a fait la même démarche. Et {marie}")

    page.get_by_role("button", name="Publier la réponse").click()
    expect(page.locator("body")).to_contain_text("Votre réponse est publiée.")
    links = page.locator("a.mention")
    expect(links).to_have_text(["@Paul Dupuis", "@Marie Dupont"])
    expect(links.first).to_have_attribute("href", f"/annuaire/personnes/{dupuis.pk}/")
    axe(page)

    mentioned = new_page()
    login(mentioned, paul.email, TEST_PASSWORD)
    mentioned.goto("/notifications/")
    expect(mentioned.locator("main")).to_contain_text("Élise Auteure vous a mentionné")
    axe(mentioned)

"""Deleting one's own post in the browser (issue 20, item 4): the author deletes their answer
through the confirmation page (no script needed), a moderator restores it. axe on each page."""

import re

import pytest
from playwright.sync_api import expect

from qa import services
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ANSWER = "Nous passons par une convention de prestation de services."


def test_an_author_deletes_their_answer_and_a_moderator_restores_it(
    new_page, axe, make_user, make_topic
):
    topic = make_topic(name="Voirie", slug="voirie")
    asker = make_user(email="asker@example.org")
    author = make_user(email="auteur@example.org", first_name="Élise", last_name="Auteure")
    moderator = make_user(email="moderation@example.org", roles=["Modérateurs"])
    question = services.question_create(
        author=asker,
        title="Mutualiser le balayage des rues entre communes",
        body="Qui partage une balayeuse avec ses voisins ?",
        topics=[topic],
    )
    answer = services.answer_create(question=question, author=author, body=ANSWER)

    page = new_page()
    login(page, author.email, TEST_PASSWORD)
    page.goto(question.get_absolute_url())
    page.get_by_role("link", name="Supprimer cette réponse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supprimer cette réponse ?")
    axe(page)
    page.get_by_role("button", name="Supprimer", exact=True).click()
    page.wait_for_url(re.compile(r"/questions/\d+/.*#answers$"))
    expect(page.locator("body")).to_contain_text("Votre message est supprimé.")
    expect(page.locator(f"#reponse-{answer.pk}")).to_have_count(0)
    axe(page)

    mod = new_page()
    login(mod, moderator.email, TEST_PASSWORD)
    mod.goto(question.get_absolute_url())
    expect(mod.locator(f"#reponse-{answer.pk}")).to_contain_text("Réponse supprimée")
    expect(mod.locator(".qa-log")).to_contain_text("Supprimé par son auteur.")
    axe(mod)
    mod.get_by_role("button", name="Restaurer cette réponse").click()
    expect(mod.locator("body")).to_contain_text("Le message est restauré.")
    axe(mod)

    page.goto(question.get_absolute_url())
    expect(page.locator(f"#reponse-{answer.pk}")).to_contain_text(ANSWER)

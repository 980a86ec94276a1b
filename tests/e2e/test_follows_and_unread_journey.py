"""Unread markers and « Mes suivis » in the browser (issue 20, items 5 and 6), with every
script blocked: a member follows a person, sees a thread marked « Nouveau » in the list,
lands on the first new post, then unfollows from « Mes suivis ». axe on each page."""

import re

import pytest
from playwright.sync_api import expect

from qa import services
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NEW_ANSWER = "Nous louons une balayeuse à la journée auprès de la CC."


def test_a_member_finds_what_is_new_and_unfollows_without_javascript(
    new_page, axe, make_user, make_topic, make_person
):
    topic = make_topic(name="Voirie", slug="voirie")
    reader = make_user(email="lectrice@example.org")
    other = make_user(email="autre@example.org")
    person = make_person(user=other, first_name="Odile", last_name="Balayeuse")
    question = services.question_create(
        author=other,
        title="Mutualiser le balayage des rues entre communes",
        body="Qui partage une balayeuse avec ses voisins ?",
        topics=[topic],
    )

    page = new_page()
    page.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort())
    login(page, reader.email, TEST_PASSWORD)
    page.goto(person.get_absolute_url())
    page.get_by_role("button", name="Suivre cette personne").click()
    expect(page.locator("body")).to_contain_text("Vous suivez Odile Balayeuse.")
    axe(page)

    page.goto(question.get_absolute_url())  # the visit that later posts are new against
    services.answer_create(question=question, author=other, body=NEW_ANSWER)

    page.goto("/questions/")
    row = page.locator(".qa-row", has_text=question.title)
    expect(row.locator(".qa-mark--new")).to_contain_text("Nouveau")
    axe(page)
    row.get_by_role("link", name=question.title).click()
    page.wait_for_url(re.compile(r"#premier-non-lu$"))
    expect(page.get_by_role("link", name="Premier message non lu")).to_be_visible()
    expect(page.locator("#premier-non-lu")).to_be_in_viewport()
    axe(page)

    page.goto("/compte/suivis/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes suivis")
    people = page.locator("section", has=page.get_by_role("heading", name="Personnes suivies"))
    expect(people).to_contain_text("Odile Balayeuse")
    expect(people).to_contain_text("1 réponse")
    axe(page)
    people.get_by_role("button", name="Ne plus suivre Odile Balayeuse").click()
    page.wait_for_url(re.compile(r"/compte/suivis/$"))
    expect(page.locator("body")).to_contain_text("Vous ne suivez plus cette personne.")
    expect(page.locator("body")).to_contain_text("Vous ne suivez personne.")
    axe(page)

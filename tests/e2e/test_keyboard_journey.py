"""Keyboard-only journey: a member asks a question, another answers, the first votes the answer
up and accepts it — with Tab, Shift+Tab, Enter, Space and typing only (no clicks, no filling
of located fields). Every element that receives focus must show it (an outline or a box
shadow), and the skip link must lead into the main content.
"""

import re

import pytest
from playwright.sync_api import expect

from qa.models import Question
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MAX_TABS = 80

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const labels = el.labels ? Array.from(el.labels).map((l) => l.innerText.trim()) : [];
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    text: (el.innerText || el.value || "").trim(),
    label: labels.join(" "),
    inMain: !!el.closest("main"),
    inAnswer: !!el.closest(".qa-answer"),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== "none",
    onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight,
  };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, wanted, *, backwards=False):
    """Press Tab until `wanted(focus)` holds; every stop on the way must show its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focus = focused(page)
        if focus["tag"] == "body":
            continue  # focus left the page (the browser's own controls) and comes back
        assert focus["outline"] or focus["shadow"], f"focus not visible on {focus} at {page.url}"
        assert focus["onScreen"], f"focused element scrolled out of view: {focus}"
        if wanted(focus):
            return focus
    raise AssertionError(f"never reached the wanted element by Tab on {page.url}")


def labelled(text):
    return lambda focus: text in focus["label"]


def named(text, *, in_answer=None):
    return lambda focus: (
        text in focus["text"] and (in_answer is None or focus["inAnswer"] == in_answer)
    )


def use_skip_link(page):
    """The first Tab reaches the skip link, visible; Enter moves focus into the main content."""
    page.keyboard.press("Tab")
    focus = focused(page)
    assert focus["text"] == "Aller au contenu", focus
    assert focus["onScreen"] and (focus["outline"] or focus["shadow"]), focus
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
    assert page.url.endswith("#contenu")
    page.keyboard.press("Tab")
    assert focused(page)["inMain"], "the Tab after the skip link stays in the header"


def keyboard_login(page, email):
    page.goto("/comptes/login/")
    use_skip_link(page)
    page.keyboard.press("Shift+Tab")
    tab_to(page, labelled("E-mail"))
    page.keyboard.type(email)
    tab_to(page, labelled("Mot de passe"))
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/comptes/login/" not in url)


@pytest.fixture
def members(make_user, make_person, make_topic):
    make_topic(name="Services techniques", slug="services-techniques")
    asker = make_user(email="asker.clavier@example.org", first_name="Noémie")
    answerer = make_user(email="answerer.clavier@example.org", first_name="Firmin")
    make_person(user=asker, first_name="Noémie", last_name="Vallonet")
    make_person(user=answerer, first_name="Firmin", last_name="Roquebrune")
    return asker, answerer


def test_ask_answer_vote_and_accept_with_the_keyboard_only(new_page, axe, members):
    asker_user, answerer_user = members

    # The asker logs in, reaches the ask form from the question list, and asks.
    asker = new_page()
    keyboard_login(asker, asker_user.email)
    asker.goto("/questions/")
    use_skip_link(asker)
    asker.keyboard.press("Shift+Tab")
    tab_to(asker, named("Poser une question"))
    asker.keyboard.press("Enter")
    asker.wait_for_url("**/questions/poser/")
    tab_to(asker, labelled("Titre"))
    asker.keyboard.type("Comment partager une saleuse entre communes ?")
    tab_to(asker, labelled("Détails"))
    asker.keyboard.type("Nous cherchons une convention de prêt pour l'hiver prochain.")
    tab_to(asker, labelled("Services techniques"))
    asker.keyboard.press("Space")
    assert asker.evaluate("document.activeElement.checked") is True
    tab_to(asker, named("Publier"))
    asker.keyboard.press("Enter")
    asker.wait_for_url(re.compile(r"/questions/\d+/comment-partager"))
    expect(asker.locator("h1")).to_have_text("Comment partager une saleuse entre communes ?")
    question = Question.objects.get(title__startswith="Comment partager")
    assert [t.slug for t in question.topics.all()] == ["services-techniques"]
    axe(asker)

    # Another member answers.
    answerer = new_page()
    keyboard_login(answerer, answerer_user.email)
    answerer.goto(question.get_absolute_url())
    tab_to(answerer, labelled("Votre réponse"))
    answerer.keyboard.type("La CC prête la sienne : demandez la convention au service technique.")
    tab_to(answerer, named("Publier la réponse"))
    answerer.keyboard.press("Enter")
    expect(answerer.locator(".qa-answer .prose")).to_contain_text("La CC prête la sienne")
    assert question.answers.count() == 1

    # The asker votes the answer up, then accepts it.
    asker.goto(question.get_absolute_url())
    tab_to(asker, named("Utile (+1)", in_answer=True))
    asker.keyboard.press("Enter")
    expect(asker.locator(".qa-answer .qa-vote__score")).to_contain_text("1")
    answer = question.answers.get()
    answer.refresh_from_db()
    assert answer.score == 1
    tab_to(asker, named("Accepter cette réponse"))
    asker.keyboard.press("Space")
    expect(asker.locator(".qa-mark--accepted")).to_contain_text("Réponse acceptée")
    question.refresh_from_db()
    assert question.accepted_answer_id == answer.pk
    axe(asker)

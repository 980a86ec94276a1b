"""Drafts and question templates in the browser (issue 20, items 2 and 3): a member types a
question, the draft saves itself, they reopen it from « Mes brouillons » in another browser
and publish it, and the draft is gone; ticking a topic puts its template in the body, shows its
guide, and « Vider le modèle » empties it; an answer's draft comes back after a reload and
goes on publish. axe on each page."""

import re

import pytest
from playwright.sync_api import expect

from qa import services
from qa.models import Draft, Question
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "Mutualiser l'achat de sel de déneigement"
BODY = "Trois communes voudraient commander ensemble avant l'hiver. Qui l'a déjà fait ?"
TEMPLATE = "Commune :\nNombre d'habitants :\nCe que vous avez déjà essayé :\nÉchéance :\n"

# The autosave's interval (static/js/drafts.js). The journeys install the page's clock and run
# it forward by that much instead of waiting: `page.clock` cannot be undone, hence a browser
# context of their own.
AUTOSAVE_INTERVAL_MS = 5_000


@pytest.mark.own_browser_context
def test_a_draft_saves_itself_and_is_published_from_another_browser(
    new_page, axe, make_user, make_topic
):
    make_topic(name="Voirie", slug="voirie")
    member = make_user(email="secretaire@example.org")

    page = new_page()
    login(page, member.email, TEST_PASSWORD)
    page.clock.install()
    page.goto("/questions/poser/")
    page.get_by_label("Titre").fill(TITLE)
    page.get_by_label("Détails").fill(BODY)
    page.get_by_label("Voirie").check()
    status = page.get_by_role("status").filter(has_text="Brouillon enregistré à")
    expect(status).to_be_hidden()
    # Saved in the background at the next tick of the interval, the text having changed.
    page.clock.run_for(AUTOSAVE_INTERVAL_MS)
    expect(status).to_have_text(re.compile(r"^Brouillon enregistré à \d\d h \d\d\.$"))
    axe(page)
    assert not Question.objects.exists()  # a draft is never published by itself

    # Another device: the draft is under « Mes brouillons », reached from the account menu.
    other = new_page()
    login(other, member.email, TEST_PASSWORD)
    account_menu = other.get_by_role("navigation", name="Mon compte")
    account_menu.get_by_role("link", name="Mes brouillons").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Mes brouillons")
    expect(other.locator(".qa-draft")).to_contain_text(f"Nouvelle question : {TITLE}")
    axe(other)
    other.get_by_role("link", name="Reprendre").click()
    expect(other.get_by_label("Titre")).to_have_value(TITLE)
    expect(other.get_by_label("Détails")).to_have_value(BODY)
    expect(other.get_by_label("Voirie")).to_be_checked()
    expect(other.locator(".qa-draft-notice")).to_contain_text("Vous reprenez votre brouillon")
    axe(other)
    other.get_by_role("button", name="Publier", exact=True).click()
    expect(other.get_by_role("heading", level=1)).to_have_text(TITLE)

    other.goto("/compte/brouillons/")
    expect(other.locator("main")).to_contain_text("Vous n'avez aucun brouillon.")
    axe(other)
    assert not Draft.objects.exists()
    assert Question.objects.get().title == TITLE


def test_a_topic_template_fills_the_body_and_is_cleared_on_request(
    new_page, axe, make_user, make_topic
):
    make_topic(
        name="Urbanisme",
        slug="urbanisme",
        ask_guide="Précisez le document d'urbanisme en vigueur.",
        ask_template=TEMPLATE,
    )
    make_topic(name="Culture", slug="culture")
    member = make_user(email="maire@example.org")

    page = new_page()
    login(page, member.email, TEST_PASSWORD)
    page.goto("/questions/poser/")
    body = page.get_by_label("Détails")
    guide = page.get_by_text("Précisez le document d'urbanisme en vigueur.")
    clear = page.get_by_role("button", name="Vider le modèle")
    expect(guide).to_be_hidden()
    expect(clear).to_be_hidden()

    page.get_by_label("Urbanisme").check()
    expect(body).to_have_value(TEMPLATE)
    expect(guide).to_be_visible()
    expect(clear).to_be_visible()
    axe(page)

    clear.click()
    expect(body).to_have_value("")
    expect(body).to_be_focused()
    expect(clear).to_be_hidden()

    # The member's own text is never replaced by a template.
    body.fill("Mon propre texte.")
    page.get_by_label("Urbanisme").uncheck()
    page.get_by_label("Urbanisme").check()
    expect(body).to_have_value("Mon propre texte.")


@pytest.mark.own_browser_context
def test_an_answer_draft_saves_itself_and_comes_back_after_a_reload(
    new_page, axe, make_user, make_topic
):
    topic = make_topic(name="Voirie", slug="voirie")
    question = services.question_create(
        author=make_user(),
        title="Partager une balayeuse entre communes",
        body="Qui partage une balayeuse avec ses voisins ?",
        topics=[topic],
    )
    member = make_user(email="agent@example.org")
    page = new_page()
    login(page, member.email, TEST_PASSWORD)
    page.clock.install()
    page.goto(question.get_absolute_url())
    page.get_by_role("textbox", name="Votre réponse").fill("Nous la partageons avec deux communes.")
    status = page.get_by_role("status").filter(has_text="Brouillon enregistré à")
    expect(status).to_be_hidden()
    page.clock.run_for(AUTOSAVE_INTERVAL_MS)
    expect(status).to_be_visible()
    axe(page)

    page.reload()
    expect(page.get_by_role("textbox", name="Votre réponse")).to_have_value(
        "Nous la partageons avec deux communes."
    )
    expect(page.locator(".qa-draft-notice")).to_contain_text("Vous reprenez votre brouillon")
    page.get_by_role("button", name="Publier la réponse").click()
    expect(page.locator("main")).to_contain_text("Votre réponse est publiée.")
    assert not Draft.objects.exists()

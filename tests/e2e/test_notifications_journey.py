"""Notifications journey: a member follows a topic and asks for e-mails at once → another
member asks there → the first sees the unread badge, the e-mail is in the outbox, the centre
links to the question, marking read updates the badge, the e-mail's unsubscribe link works."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "Qui instruit les permis de construire depuis 2015 ?"


def test_a_follower_hears_of_a_new_question_in_their_topic(new_page, axe, make_user, make_topic):
    cache.clear()
    topic = make_topic(name="Urbanisme", slug="urbanisme")
    follower = make_user(email="suiveuse@example.org", first_name="Inès", last_name="Suiveuse")
    asker = make_user(email="demandeur@example.org", first_name="Bruno", last_name="Demandeur")

    # The follower follows the topic and wants an e-mail at once for its new questions.
    page = new_page()
    login(page, follower.email, TEST_PASSWORD)
    page.goto(f"/sujets/{topic.slug}/")
    axe(page)
    page.get_by_role("button", name="Suivre ce sujet").click()
    page.get_by_role("button", name=re.compile("Suivi")).wait_for()
    page.goto("/compte/preferences/")
    axe(page)
    page.get_by_role("group", name="Nouvelle question dans un sujet que je suis").get_by_label(
        "Tout de suite"
    ).check()
    page.get_by_role("button", name="Enregistrer mes préférences").click()
    expect(page.locator("body")).to_contain_text(
        "Vos préférences de notification sont enregistrées."
    )
    axe(page)
    page.goto("/notifications/")
    assert "Aucune notification pour l'instant" in page.content()
    axe(page)

    # Another member asks a question in that topic.
    other = new_page()
    login(other, asker.email, TEST_PASSWORD)
    other.goto(f"/questions/poser/?sujet={topic.slug}")
    other.get_by_label("Titre").fill(TITLE)
    other.get_by_label("Détails").fill(
        "Notre commune a perdu l'instruction gratuite par l'État : qui s'en charge chez vous ?"
    )
    if not other.get_by_label("Urbanisme").is_checked():
        other.get_by_label("Urbanisme").check()
    other.get_by_role("button", name="Publier").click()
    other.wait_for_url(re.compile(r"/questions/\d+/"))
    question_path = other.url[other.url.index("/questions/") :]

    # The follower sees the badge, the e-mail is in the outbox, the asker got nothing.
    page.goto("/")
    badge = page.locator("#unread-count")
    expect(badge).to_have_text("1 non lue")
    axe(page)
    to_follower = [m for m in mail.outbox if m.to == [follower.email]]
    assert len(to_follower) == 1
    assert to_follower[0].subject == f"[Entraide] {TITLE}"
    assert question_path in to_follower[0].body
    assert not [m for m in mail.outbox if m.to == [asker.email] and TITLE in m.subject]

    # The centre lists it, grouped under today, linking to the question.
    page.get_by_role("link", name=re.compile("Notifications")).click()
    page.wait_for_url("**/notifications/")
    expect(page.get_by_role("heading", name="Aujourd'hui")).to_be_visible()
    expect(page.get_by_text("Bruno Demandeur a posé une question")).to_be_visible()
    axe(page)
    link = page.get_by_role("link", name=TITLE)
    assert re.fullmatch(r"/notifications/\d+/ouvrir/", link.get_attribute("href"))

    # Marking it read (htmx) updates the item, the count and the header badge.
    page.get_by_role("button", name=re.compile("Marquer comme lue")).click()
    page.get_by_text("Vous avez tout lu.").wait_for()
    expect(page.locator("#unread-count")).to_have_text("")
    axe(page)
    link.click()
    page.wait_for_url(f"**{question_path}")

    # The e-mail's unsubscribe link: a confirmation page, then done, without logging in.
    unsubscribe = re.search(r"http://\S+/notifications/desabonnement/\S+/", to_follower[0].body)
    stranger = new_page()
    stranger.goto(unsubscribe.group(0)[unsubscribe.group(0).index("/notifications/") :])
    axe(stranger)
    stranger.get_by_role("button", name="Confirmer le désabonnement").click()
    expect(stranger.locator("body")).to_contain_text("Désabonnement enregistré")
    axe(stranger)


def test_the_centre_and_preferences_work_on_a_phone(new_page, axe, make_user):
    member = make_user(email="telephone@example.org")
    phone = new_page(viewport={"width": 375, "height": 740})
    login(phone, member.email, TEST_PASSWORD)
    for url in ("/notifications/", "/compte/preferences/"):
        phone.goto(url)
        axe(phone)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{url} scrolls sideways ({width}px)"


def test_answers_collapse_into_one_line_that_clears_itself_when_opened(
    new_page, axe, make_user, make_topic
):
    """Issue 20, item 8: two answers to the asker's thread are one line of the centre; opening
    it leads to the thread and leaves nothing unread."""
    from qa import services

    asker = make_user(email="demandeuse@example.org")
    question = services.question_create(
        author=asker,
        title="Mutualiser un broyeur de végétaux",
        body="Qui en partage un avec ses voisins ?",
        topics=[make_topic(name="Espaces verts", slug="espaces-verts")],
    )
    for first_name in ("Anne", "Basile"):
        author = make_user(first_name=first_name, last_name="Voisin")
        services.answer_create(question=question, author=author, body=f"Oui, {first_name}.")

    page = new_page()
    login(page, asker.email, TEST_PASSWORD)
    page.goto("/notifications/")
    line = page.locator(".notification").filter(has_text="2 nouvelles réponses à")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("Par Anne Voisin, Basile Voisin")
    axe(page)
    line.get_by_role("link", name=question.title).click()
    page.wait_for_url(f"**{question.get_absolute_url()}**")
    page.goto("/notifications/")
    expect(page.locator("#notification-status")).to_have_text("Vous avez tout lu.")
    expect(page.locator(".notification").filter(has_text="2 réponses à")).to_have_count(1)
    axe(page)

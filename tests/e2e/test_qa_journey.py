"""Q&A journey in the browser: ask with preview and similar questions → answer → comment →
vote → accept → expert validation → edit and view the diff → flag → a moderator closes the
question as a duplicate. axe-core checks every page; a script dialog would fail the test."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from directory.models import InterestKind, TopicInterest
from qa import services
from qa.models import Question
from tests.e2e.conftest import assert_role_groups_migrated, login
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def cast(make_user, make_topic, make_person, make_position, make_structure):
    assert_role_groups_migrated()
    topic = make_topic(name="Services techniques", slug="services-techniques")
    structure = make_structure(name="CC Moyen Verdon", slug="cc-moyen-verdon")

    def person(user, function):
        make_position(person=make_person(user=user), structure=structure, function=function)
        return user

    asker = person(
        make_user(email="asker@example.org", first_name="Noémie", last_name="Vallonet"),
        "Secrétaire de mairie",
    )
    answerer = person(
        make_user(email="answerer@example.org", first_name="Firmin", last_name="Roquebrune"),
        "Maire",
    )
    expert = person(
        make_user(
            email="expert@example.org",
            first_name="Corentin",
            last_name="Achardier",
            roles=["Experts"],
        ),
        "Responsable des services techniques",
    )
    TopicInterest.objects.create(person=expert.person, topic=topic, kind=InterestKind.EXPERTISE)
    reporter = make_user(email="reporter@example.org")
    moderator = make_user(email="moderator@example.org", roles=["Modérateurs"])
    existing = services.question_create(
        author=reporter,
        title="Mutualiser le déneigement entre communes voisines",
        body="Qui partage une saleuse avec ses voisins ?",
        topics=[topic],
    )
    # The ask form's similar questions come from the search index, as on a live site.
    call_command("search_rebuild", verbosity=0)
    return {"topic": topic, "asker": asker, "answerer": answerer, "expert": expert,
            "reporter": reporter, "moderator": moderator, "existing": existing}  # fmt: skip


def _open_as(new_page, user):
    page = new_page()
    login(page, user.email, TEST_PASSWORD)
    return page


@pytest.mark.long
def test_question_journey_from_asking_to_duplicate(new_page, axe, cast):
    # The asker types a title: similar questions appear; the body: a live preview.
    asker = _open_as(new_page, cast["asker"])
    asker.goto("/questions/")
    axe(asker)
    asker.get_by_role("link", name="Poser une question").click()
    asker.wait_for_url("**/questions/poser/")
    axe(asker)
    asker.get_by_label("Titre").fill("Comment organiser le déneigement à plusieurs ?")
    expect(asker.locator("#qa-similar")).to_contain_text("Mutualiser le déneigement")
    asker.get_by_label("Détails").fill(
        "Nous cherchons une **saleuse partagée**.\n\n<script>alert('xss')</script>"
    )
    expect(asker.locator("#qa-preview strong")).to_have_text("saleuse partagée")
    axe(asker)
    asker.get_by_label("Services techniques").check()
    asker.get_by_role("button", name="Publier").click()
    asker.wait_for_url(re.compile(r"/questions/\d+/comment-organiser"))
    expect(asker.locator("h1")).to_have_text("Comment organiser le déneigement à plusieurs ?")
    axe(asker)
    question = Question.objects.get(title__startswith="Comment organiser")
    thread_url = question.get_absolute_url()

    # Another member answers, comments and votes (htmx: no reload).
    answerer = _open_as(new_page, cast["answerer"])
    answerer.goto(thread_url)
    axe(answerer)
    answerer.get_by_role("textbox", name="Votre réponse").fill(
        "La CC prête sa saleuse : voyez la convention."
    )
    answerer.get_by_role("button", name="Publier la réponse").click()
    expect(answerer.locator(".qa-answer .prose")).to_contain_text("La CC prête sa saleuse")
    question_block = answerer.locator("#question")
    question_block.get_by_text("Ajouter un commentaire").click()
    question_block.get_by_role("textbox", name="Commentaire").fill(
        "Combien de communes êtes-vous ?"
    )
    question_block.get_by_role("button", name="Commenter").click()
    expect(answerer.locator("#question .qa-comment")).to_contain_text("Combien de communes")
    answerer.locator("#vote-question").get_by_role("button", name="Utile (+1)").click()
    expect(answerer.locator("#vote-question .qa-vote__score")).to_contain_text("1")
    axe(answerer)

    # The asker votes for the answer and accepts it.
    asker.goto(thread_url)
    answer_block = asker.locator(".qa-answer").first
    answer_block.get_by_role("button", name="Utile (+1)").click()
    expect(asker.locator(".qa-answer .qa-vote__score").first).to_contain_text("1")
    asker.get_by_role("button", name="Accepter cette réponse").click()
    expect(asker.locator(".qa-mark--accepted")).to_contain_text("Réponse acceptée")
    axe(asker)

    # The expert of the topic validates it: name and function are shown.
    expert = _open_as(new_page, cast["expert"])
    expert.goto(thread_url)
    expert.get_by_role("button", name="Valider en tant qu'expert").click()
    expect(expert.locator(".qa-mark--validated")).to_contain_text(
        "Corentin Achardier, Responsable des services techniques"
    )
    axe(expert)

    # The answerer edits the answer and compares the two versions.
    answerer.goto(thread_url)
    answerer.get_by_role("link", name="Modifier cette réponse").click()
    answerer.wait_for_url(re.compile(r"/reponses/\d+/modifier/$"))
    axe(answerer)
    answerer.get_by_label("Texte").fill("La CC prête sa saleuse le lundi : voyez la convention.")
    answerer.get_by_label("Résumé de la modification").fill("jour de prêt")
    answerer.get_by_role("button", name="Enregistrer la modification").click()
    # The edit form sends the answerer back to the answer in its thread.
    answerer.wait_for_url(re.compile(re.escape(thread_url) + "#"))
    answerer.get_by_role("link", name="Historique de cette réponse").click()
    expect(answerer.locator(".qa-diff ins")).to_contain_text("le lundi")
    expect(answerer.locator(".qa-diff del")).to_contain_text("La CC prête sa saleuse :")
    axe(answerer)

    # A member flags the question; a moderator handles it and closes it as a duplicate.
    reporter = _open_as(new_page, cast["reporter"])
    reporter.goto(thread_url)
    reporter.get_by_role("link", name="Signaler ce fil").click()
    reporter.wait_for_url(re.compile(r"/questions/\d+/signaler/$"))
    axe(reporter)
    reporter.get_by_label("Spam ou publicité").check()
    reporter.get_by_label("Précisions").fill("Déjà posée la semaine dernière.")
    reporter.get_by_role("button", name="Envoyer le signalement").click()
    expect(reporter.locator(".message--success")).to_contain_text("modérateurs")

    moderator = _open_as(new_page, cast["moderator"])
    moderator.goto("/moderation/signalements/")
    expect(moderator.locator(".qa-flag")).to_contain_text("Déjà posée la semaine dernière.")
    axe(moderator)
    moderator.get_by_role("link", name="Modérer le fil").click()
    moderator.wait_for_url(re.compile(r"/questions/\d+/moderer/$"))
    axe(moderator)
    moderator.get_by_label("Numéro de la question d'origine").fill(str(cast["existing"].pk))
    moderator.locator("#duplicate-reason").fill("Même sujet que le fil existant.")
    moderator.get_by_role("button", name="Fermer comme doublon").click()
    expect(moderator.locator(".qa-state--closed")).to_contain_text("Cette question est un doublon.")
    expect(moderator.locator(".qa-log")).to_contain_text("Même sujet que le fil existant.")
    axe(moderator)
    moderator.goto("/moderation/signalements/")
    moderator.get_by_role("button", name="Retenir ce signalement").click()
    expect(moderator.get_by_text("Aucun signalement en attente.")).to_be_visible()
    axe(moderator)


def test_lists_topics_and_thread_work_on_a_phone(new_page, axe, cast):
    phone = new_page(viewport={"width": 375, "height": 740})
    login(phone, cast["asker"].email, TEST_PASSWORD)
    for url in ["/questions/", "/discussions/", "/sujets/", "/sujets/services-techniques/",
                cast["existing"].get_absolute_url()]:  # fmt: skip
        phone.goto(url)
        axe(phone)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, url


def test_votes_and_preview_work_without_scripts(new_page, axe, cast):
    """No htmx, no qa.js: every action falls back to the plain form and the redirect."""
    page = new_page()
    page.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort())
    login(page, cast["asker"].email, TEST_PASSWORD)
    page.goto(cast["existing"].get_absolute_url())
    assert page.evaluate("typeof window.htmx") == "undefined"
    page.locator("#vote-question").get_by_role("button", name="Utile (+1)").click()
    expect(page.locator("#vote-question .qa-vote__score")).to_contain_text("1")
    page.get_by_role("button", name="J'ai le même problème").click()
    expect(page.locator("#same-problem .qa-count")).to_have_text("1")
    page.goto("/questions/poser/")
    page.get_by_label("Titre").fill("Mutualiser le déneigement, encore ?")
    page.get_by_label("Détails").fill("Un texte en *italique* pour voir.")
    page.get_by_role("button", name="Prévisualiser").click()
    expect(page.locator("#qa-preview em")).to_have_text("italique")
    expect(page.locator("#qa-similar")).to_contain_text("Mutualiser le déneigement")
    expect(page.get_by_label("Titre")).to_have_value("Mutualiser le déneigement, encore ?")
    axe(page)

"""The coordinator's dashboard: a coordinator opens /pilotage/, sees what waits, routes a
question unanswered for eight days to more experts; the asker is told who was asked. Every
page passes axe."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from directory.models import InterestKind, StructureKind, TopicInterest
from qa import services as qa_services
from qa.models import Question
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, PersonFactory, PositionFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "Qui peut nous prêter une saleuse cet hiver ?"


def _expert(make_user, topic, structure, first_name, last_name):
    user = make_user(roles=["Experts"], first_name=first_name, last_name=last_name)
    person = PersonFactory(user=user, first_name=first_name, last_name=last_name)
    TopicInterest.objects.create(
        person=person, topic=topic, kind=InterestKind.EXPERTISE, is_confirmed=True
    )
    PositionFactory(person=person, structure=structure, function="Responsable voirie")
    return user


def test_a_coordinator_routes_an_old_unanswered_question_to_more_experts(
    new_page, axe, make_user, make_topic, make_structure, settings
):
    cache.clear()
    settings.NOTIFICATIONS_MAX_EXPERTS_PER_QUESTION = 1
    topic = make_topic(name="Voirie", slug="voirie")
    cc = make_structure(name="CC du Haut-Verdon", kind=StructureKind.CC)
    angles = make_structure(name="Angles", parent=cc)
    digne = make_structure(name="Digne-les-Bains")
    make_structure(name="Thorame-Haute", parent=cc)
    _expert(make_user, topic, angles, "Nina", "Proche")
    _expert(make_user, topic, digne, "Louis", "Loin")
    asker = make_user(email="asker@example.org", first_name="Jeanne", last_name="Durance")
    PositionFactory(person=PersonFactory(user=asker), structure=angles)
    question = qa_services.question_create(
        author=asker,
        title=TITLE,
        body="Notre saleuse est en panne et l'hiver arrive.",
        topics=[topic],
    )
    Question.objects.filter(pk=question.pk).update(created_at=timezone.now() - timedelta(days=8))
    coordinator = make_user(email="coordinatrice@example.org", roles=["Coordinateurs"])

    page = new_page()
    login(page, coordinator.email, TEST_PASSWORD)
    expect(page.locator('.account-menu a[href="/pilotage/"]')).to_have_count(1)
    page.goto("/pilotage/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de pilotage")
    expect(page.locator("body")).to_contain_text("1 question sans réponse depuis plus de 7 jours")
    expect(page.locator(".steering-silent")).to_contain_text("Thorame-Haute")
    axe(page)

    page.get_by_role("link", name=re.compile("1 question sans réponse")).click()
    page.wait_for_url("**/pilotage/sans-reponse/")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    axe(page)
    page.get_by_role("button", name=re.compile("Relancer auprès d'autres experts")).click()
    expect(page.locator("body")).to_contain_text("est relayée à 1 expert : Louis Loin")
    expect(page.locator("body")).to_contain_text("déjà relancée 1 fois")
    axe(page)

    told = new_page()
    login(told, asker.email, TEST_PASSWORD)
    told.goto("/notifications/")
    expect(told.locator("body")).to_contain_text("relayée à d'autres experts")
    expect(told.locator("body")).to_contain_text("Louis Loin (Responsable voirie, Digne-les-Bains)")
    axe(told)

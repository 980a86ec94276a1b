"""Agenda journey: propose a subject → another member supports it (no reload) → a moderator
creates a meeting and schedules it → marks it discussed with the minutes' link."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from qa.agenda.models import Proposal, ProposalStatus
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "Mutualiser l'instruction des permis de construire"


def test_a_subject_goes_from_proposal_to_discussed_with_minutes(
    new_page, axe, make_user, make_topic, make_structure
):
    cache.clear()
    make_structure(name="Communauté de communes Alpes Provence Verdon")
    make_topic(name="Urbanisme")
    make_topic(name="Finances")
    proposer = make_user(email="proposeuse@example.org", first_name="Aude", last_name="Proposeuse")
    colleague = make_user(email="collegue@example.org", first_name="Basile", last_name="Collègue")
    moderator = make_user(
        roles=["Modérateurs"],
        email="moderatrice@example.org",
        first_name="Maëlle",
        last_name="Durandal",
    )

    # A member proposes a subject; a bad first attempt keeps what was typed.
    page = new_page()
    login(page, proposer.email, TEST_PASSWORD)
    page.goto("/ordre-du-jour/")
    axe(page)
    page.get_by_role("link", name="Proposer un sujet").click()
    page.wait_for_url("**/ordre-du-jour/proposer/")
    axe(page)
    page.get_by_label("Sujet proposé").fill("Court")
    page.get_by_label("Urbanisme").check()
    page.get_by_role("button", name="Proposer ce sujet").click()
    expect(page.locator("body")).to_contain_text("au moins 10 caractères")
    assert page.get_by_label("Urbanisme").is_checked()
    axe(page)
    page.get_by_label("Sujet proposé").fill(TITLE)
    page.get_by_label("Pourquoi c'est important").fill(
        "Depuis 2015 l'État n'instruit plus : chaque commune cherche seule."
    )
    page.get_by_role("button", name="Proposer ce sujet").click()
    # The form's own URL (/ordre-du-jour/proposer/) must not count as the proposal's page.
    page.wait_for_url(re.compile(r"/ordre-du-jour/\d+/$"))
    expect(page.locator("body")).to_contain_text("vous la soutenez déjà")
    axe(page)

    # Another member supports it from the list, without a page reload.
    other = new_page()
    login(other, colleague.email, TEST_PASSWORD)
    other.goto("/ordre-du-jour/")
    other.evaluate("window.notReloaded = true")
    other.get_by_role("button", name=f"Soutenir « {TITLE} »").click()
    other.get_by_role("button", name=f"Je soutiens « {TITLE} »").wait_for()
    assert other.evaluate("window.notReloaded") is True
    expect(other.locator(".agenda-support__count strong").first).to_have_text("2")
    axe(other)
    assert Proposal.objects.get().support_count == 2

    # A moderator creates a meeting and puts the subject on its agenda.
    mod = new_page()
    login(mod, moderator.email, TEST_PASSWORD)
    mod.goto("/ordre-du-jour/")
    mod.get_by_role("link", name="Créer une réunion").click()
    mod.wait_for_url("**/ordre-du-jour/reunions/nouvelle/")
    axe(mod)
    mod.get_by_label("Intitulé").fill("Conseil communautaire de janvier")
    mod.get_by_label("Structure").select_option(
        label="Communauté de communes Alpes Provence Verdon"
    )
    mod.get_by_label("Type de réunion").select_option(label="Conseil communautaire")
    starts = (timezone.localtime() + datetime.timedelta(days=14)).strftime("%Y-%m-%dT18:30")
    mod.get_by_label("Date et heure").fill(starts)
    mod.get_by_label("Lieu").fill("Hôtel communautaire, Castellane")
    mod.get_by_role("button", name="Créer la réunion").click()
    # The form's own URL (/reunions/nouvelle/) must not count as the meeting's page.
    mod.wait_for_url(re.compile(r"/ordre-du-jour/reunions/\d+/$"))
    expect(mod.locator("body")).to_contain_text("La réunion est créée.")
    axe(mod)

    mod.goto("/ordre-du-jour/")
    mod.get_by_role("link", name=TITLE).click()
    mod.wait_for_url(re.compile(r"/ordre-du-jour/\d+/$"))
    axe(mod)
    mod.get_by_label("Réunion").select_option(label="Conseil communautaire de janvier")
    mod.get_by_role("button", name="Inscrire à l'ordre du jour").click()
    expect(mod.locator("body")).to_contain_text("est inscrite à l'ordre du jour")
    axe(mod)

    mod.get_by_label("Lien vers le compte rendu").fill("javascript:alert(1)")
    mod.get_by_role("button", name="Marquer comme débattue").click()
    expect(mod.locator("body")).to_contain_text("Saisissez une adresse web")
    axe(mod)
    mod.get_by_label("Lien vers le compte rendu").fill("https://www.example.org/cr-janvier.pdf")
    mod.get_by_role("button", name="Marquer comme débattue").click()
    expect(mod.locator("body")).to_contain_text("marquée comme débattue")
    assert mod.get_by_role("link", name="Lire le compte rendu").get_attribute("href") == (
        "https://www.example.org/cr-janvier.pdf"
    )
    axe(mod)
    assert Proposal.objects.get().status == ProposalStatus.DISCUSSED

    mod.get_by_role("link", name="Conseil communautaire de janvier").click()
    mod.wait_for_url(re.compile(r"/ordre-du-jour/reunions/\d+/$"))
    expect(mod.get_by_role("link", name=f"compte rendu : {TITLE}")).to_be_visible()
    axe(mod)

    # The agenda page works on a phone.
    phone = new_page(viewport={"width": 375, "height": 740})
    login(phone, colleague.email, TEST_PASSWORD)
    phone.goto("/ordre-du-jour/")
    axe(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

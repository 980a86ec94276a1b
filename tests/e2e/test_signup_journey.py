"""Foundation journey: sign up → confirm the e-mail → wait → a moderator approves → home."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_new_member_signs_up_is_approved_and_reaches_the_home_page(new_page, axe, make_user):
    moderator = make_user(roles=["Modérateurs"], email="moderatrice@example.org")
    visitor = new_page()

    visitor.goto("/")
    axe(visitor)
    visitor.get_by_role("link", name="Créer un compte").first.click()
    visitor.wait_for_url("**/comptes/signup/")
    axe(visitor)
    visitor.get_by_label("E-mail").fill("camille.testeur@example.org")
    visitor.get_by_label("Prénom").fill("Camille")
    visitor.get_by_label(re.compile(r"^Nom")).fill("Testeur")
    visitor.get_by_label("Structure").fill("Mairie de Barrême")
    visitor.get_by_label("Fonction").fill("Secrétaire de mairie")
    visitor.get_by_label(re.compile(r"^Mot de passe\W*:")).fill("un-mot-de-passe-solide-2026")
    visitor.get_by_label("Mot de passe (confirmation)").fill("un-mot-de-passe-solide-2026")
    visitor.get_by_role("button", name="Création de compte").click()
    visitor.wait_for_url("**/comptes/confirm-email/")
    axe(visitor)

    link = re.search(r"https?://\S+/comptes/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    visitor.goto(link[link.index("/comptes/") :])
    axe(visitor)
    visitor.get_by_role("button", name="Confirmer").click()
    visitor.wait_for_url("**/compte/en-attente/")
    expect(visitor.locator("body")).to_contain_text("attend la validation")
    axe(visitor)
    visitor.goto("/questions/")
    assert visitor.url.endswith("/compte/en-attente/")

    moderator_page = new_page()
    login(moderator_page, moderator.email, TEST_PASSWORD)
    moderator_page.goto("/annuaire/comptes-en-attente/")
    axe(moderator_page)
    moderator_page.get_by_role("button", name="Approuver Camille Testeur").click()
    expect(moderator_page.locator("body")).to_contain_text("est approuvé")
    axe(moderator_page)

    visitor.goto("/")
    assert "Bienvenue" in visitor.content()
    axe(visitor)


def test_the_home_page_works_on_a_phone_and_by_keyboard(new_page, axe):
    phone = new_page(viewport={"width": 375, "height": 740})
    phone.goto("/")
    axe(phone)
    phone.keyboard.press("Tab")
    focused = phone.evaluate("document.activeElement.textContent")
    assert "Aller au contenu" in focused
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "contenu"
    scroll_width = phone.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375

"""A page left open until its session nearly ends (RGAA 13.1): ten minutes before, a warning
is announced; « Rester connecté » renews the session without leaving the page, and the text
being typed is still there (website/sessions.py)."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD

# `page.clock.install()` cannot be undone: a context of its own, closed after the test.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.own_browser_context,
]

DRAFT = "Nous cherchons une commune qui a déjà mutualisé son balayeur."


def test_a_member_is_warned_before_the_session_ends_and_stays_connected(
    new_page, axe, make_user, make_topic
):
    make_topic(name="Voirie", slug="voirie")
    member = make_user(email="longue.redaction@example.org")
    page = new_page()
    login(page, member.email, TEST_PASSWORD)
    page.clock.install()
    page.goto("/questions/poser/")
    page.get_by_label("Titre").fill("Mutualiser un balayeur")
    page.locator("textarea[name=body]").fill(DRAFT)
    warning = page.locator(".session-warning")
    expect(warning).to_be_hidden()

    almost = timedelta(seconds=settings.SESSION_COOKIE_AGE) - timedelta(minutes=11)
    page.clock.fast_forward(int(almost.total_seconds() * 1000))
    expect(warning).to_be_hidden()
    page.clock.fast_forward(2 * 60 * 1000)
    expect(warning.get_by_role("alert")).to_contain_text("Votre session se termine à")
    axe(page)

    stay = warning.get_by_role("button", name="Rester connecté")
    stay.focus()
    page.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/questions/poser/$"))
    expect(page.locator("textarea[name=body]")).to_have_value(DRAFT)

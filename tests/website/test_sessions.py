"""A member stays logged in while using the site; a page left open warns before the session
ends and renews it on request (website/sessions.py, RGAA 13.1 / WCAG 2.2.1)."""

import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from website import sessions

AGE = timedelta(seconds=settings.SESSION_COOKIE_AGE)


def _stamp(client) -> datetime:
    return datetime.fromisoformat(client.session[sessions.RENEWED_AT])


def _age_the_session(client, by: timedelta) -> None:
    session = client.session
    session[sessions.RENEWED_AT] = (timezone.now() - by).isoformat()
    session.save()


def test_a_login_starts_the_lifetime_and_the_next_pages_write_no_session(client, member):
    client.force_login(member)
    stamped = _stamp(client)
    assert timezone.now() - stamped < timedelta(minutes=1)
    response = client.get("/questions/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert _stamp(client) == stamped


def test_the_first_request_a_day_later_renews_the_session_and_its_cookie(client, member):
    client.force_login(member)
    _age_the_session(client, timedelta(hours=25))
    response = client.get("/questions/")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    assert timezone.now() - _stamp(client) < timedelta(minutes=1)
    again = client.get("/questions/")
    assert settings.SESSION_COOKIE_NAME not in again.cookies


def test_a_session_renewed_less_than_a_day_ago_is_left_alone(client, member):
    client.force_login(member)
    _age_the_session(client, timedelta(hours=23))
    response = client.get("/questions/")
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_the_page_tells_the_script_when_the_session_ends(client, member):
    client.force_login(member)
    _age_the_session(client, timedelta(hours=5))
    html = client.get("/questions/").content.decode()
    left = re.search(r'class="session-warning"[^>]* data-session-seconds-left="(\d+)" hidden', html)
    assert left, "no session warning on the page"
    assert abs(int(left[1]) - (AGE - timedelta(hours=5)).total_seconds()) < 60
    assert "Rester connecté" in html
    assert "Votre session se termine à {heure}." in html


def test_a_visitor_gets_no_session_warning(client, db):
    assert b"session-warning" not in client.get("/").content


def test_rester_connecte_renews_and_answers_json_for_the_script(client, member):
    client.force_login(member)
    _age_the_session(client, AGE - timedelta(minutes=8))
    response = client.post("/compte/session/prolonger/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert abs(response.json()["seconds_left"] - AGE.total_seconds()) < 60
    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == AGE.total_seconds()


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [("/questions/?page=2", "/questions/?page=2"), ("https://evil.example/", "/"), ("", "/")],
)
def test_without_script_the_form_renews_and_goes_back_to_a_local_page(
    client, member, next_url, lands_on
):
    client.force_login(member)
    _age_the_session(client, timedelta(days=3))
    response = client.post("/compte/session/prolonger/", {"next": next_url})
    assert response.status_code == 302 and response["Location"] == lands_on
    assert timezone.now() - _stamp(client) < timedelta(minutes=1)


def test_the_renewal_is_post_only_and_for_logged_in_members(client, member):
    assert client.post("/compte/session/prolonger/").status_code == 302  # to the login page
    client.force_login(member)
    assert client.get("/compte/session/prolonger/").status_code == 405

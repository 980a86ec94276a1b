"""Sign-up, password reset and login answer the same for a known and an unknown address."""

import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

UNKNOWN = "inconnu.total@example.org"


def normalised(response, *emails) -> str:
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    html = re.sub(r'nonce="[^"]+"', "NONCE", html)
    for email in emails:
        html = html.replace(email, "ADRESSE")
    return html


def test_login_with_a_wrong_password_answers_the_same_for_known_and_unknown_addresses(
    client, member
):
    known = client.post("/comptes/login/", {"login": member.email, "password": "faux-mdp-123"})
    unknown = client.post("/comptes/login/", {"login": UNKNOWN, "password": "faux-mdp-123"})
    assert known.status_code == unknown.status_code == 200
    assert normalised(known, member.email) == normalised(unknown, UNKNOWN)


def signup(client, email):
    return client.post(
        "/comptes/signup/",
        {
            "email": email,
            "password1": "un-mot-de-passe-solide-2026",
            "password2": "un-mot-de-passe-solide-2026",
            "first_name": "Claude",
            "last_name": "Essai",
            "signup_structure": "Commune d'Essai",
            "signup_function": "Secrétaire de mairie",
        },
    )


def test_sign_up_answers_the_same_for_a_taken_and_a_free_address(client, member, mailoutbox):
    taken = signup(client, member.email)
    client.cookies.clear()
    free = signup(client, UNKNOWN)
    assert taken.status_code == free.status_code == 302
    assert taken.url == free.url
    # Each address receives exactly one mail (a confirmation, or "you already have an
    # account"): the person asking cannot tell which from the screen.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([member.email, UNKNOWN])


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, member):
    known = client.post("/comptes/password/reset/", {"email": member.email}, follow=True)
    unknown = client.post("/comptes/password/reset/", {"email": UNKNOWN}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert normalised(known, member.email) == normalised(unknown, UNKNOWN)


def test_login_by_code_when_enabled_answers_the_same(client, member):
    if not getattr(settings, "ACCOUNT_LOGIN_BY_CODE_ENABLED", False):
        # Not offered: the request page must not exist either.
        assert client.get("/comptes/login/code/").status_code == 404
        return
    known = client.post("/comptes/login/code/", {"email": member.email})
    unknown = client.post("/comptes/login/code/", {"email": UNKNOWN})
    assert known.status_code == unknown.status_code
    assert getattr(known, "url", None) == getattr(unknown, "url", None)

"""Every rate limit answers HTTP 429, and the answer does not tell whether an account exists.

allauth refuses an attempt over the failed-login budget with a form error; our views
(`directory/allauth.py`) keep its page — the French message, the form with the address typed —
and answer 429. Sign-up and password-reset limits answer with the 429 page of
`website.views.too_many_requests`. The budgets are small here; production's are in
`settings.ACCOUNT_RATE_LIMITS`.
"""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache

from tests.factories import TEST_PASSWORD
from tests.security.test_account_enumeration import normalised

pytestmark = pytest.mark.django_db

LOGIN = "/comptes/login/"
UNKNOWN = "personne.inconnue@example.org"
BUDGET = 3
TOO_MANY_LOGINS = "Trop de tentatives de connexion échouées"
TOO_MANY_REQUESTS = "Trop de requêtes"


@pytest.fixture
def limits(settings):
    """Per-address budgets of 3; per-IP budgets large enough not to interfere."""
    settings.ACCOUNT_RATE_LIMITS = {
        "login_failed": f"1000/m/ip,{BUDGET}/5m/key",
        "reauthenticate": "1000/m/user",
        "signup": f"{BUDGET}/m/ip",
        "reset_password": f"1000/m/ip,{BUDGET}/m/key",
    }
    cache.clear()
    yield
    cache.clear()


WRONG_PASSWORD = "mauvais-mot-de-passe"  # noqa: S105 (a test value)


def failed_login(client, email, password=WRONG_PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def test_the_failed_login_budget_answers_429_with_the_french_message_and_the_form(
    client, member, limits
):
    for _attempt in range(BUDGET):
        response = failed_login(client, member.email)
        assert response.status_code == 200
        assert TOO_MANY_LOGINS not in response.content.decode()
    response = failed_login(client, member.email)
    assert response.status_code == 429
    html = response.content.decode()
    assert TOO_MANY_LOGINS in html
    assert f'value="{member.email}"' in html
    assert 'name="password"' in html and 'action="/comptes/login/"' in html


def test_once_the_budget_is_spent_even_the_right_password_answers_429(client, member, limits):
    for _attempt in range(BUDGET):
        failed_login(client, member.email)
    response = failed_login(client, member.email, password=TEST_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_429_does_not_tell_whether_the_account_exists(client, member, limits):
    answers = {}
    for email in (member.email, UNKNOWN):
        client.cookies.clear()
        for _attempt in range(BUDGET):
            failed_login(client, email)
        answers[email] = failed_login(client, email)
    known, unknown = answers[member.email], answers[UNKNOWN]
    assert known.status_code == unknown.status_code == 429
    assert normalised(known, member.email) == normalised(unknown, UNKNOWN)


def test_the_per_address_budget_does_not_block_another_address(client, member, make_user, limits):
    other = make_user()
    for _attempt in range(BUDGET + 1):
        failed_login(client, member.email)
    response = failed_login(client, other.email, password=TEST_PASSWORD)
    assert response.status_code == 302


def test_the_per_ip_budget_answers_429_too(client, member, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": f"{BUDGET}/m/ip,1000/5m/key"}
    cache.clear()
    for number in range(BUDGET):
        assert failed_login(client, f"essai{number}@example.org").status_code == 200
    response = failed_login(client, "encore.une@example.org")
    assert response.status_code == 429
    assert TOO_MANY_LOGINS in response.content.decode()
    cache.clear()


def test_reauthentication_with_a_spent_budget_answers_429(client, member, limits):
    client.force_login(member)
    for _attempt in range(BUDGET):
        response = client.post("/comptes/reauthenticate/", {"password": "pas-le-bon"})
        assert response.status_code == 200
    response = client.post("/comptes/reauthenticate/", {"password": "pas-le-bon"})
    assert response.status_code == 429
    assert TOO_MANY_LOGINS in response.content.decode()


def test_wrong_second_factor_codes_answer_429_once_the_budget_is_spent(client, member, limits):
    TOTP.activate(member, "JBSWY3DPEHPK3PXP")
    response = client.post(LOGIN, {"login": member.email, "password": TEST_PASSWORD})
    assert response.url == "/comptes/2fa/authenticate/"
    for _attempt in range(BUDGET):
        wrong = client.post("/comptes/2fa/authenticate/", {"code": "000000"})
        assert wrong.status_code == 200
    response = client.post("/comptes/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 429
    assert TOO_MANY_LOGINS in response.content.decode()
    assert "_auth_user_id" not in client.session


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


def test_the_sign_up_limit_answers_429(client, limits):
    for number in range(BUDGET):
        client.cookies.clear()
        assert signup(client, f"nouvel.agent{number}@example.org").status_code == 302
    client.cookies.clear()
    response = signup(client, "encore.un.agent@example.org")
    assert response.status_code == 429
    assert TOO_MANY_REQUESTS in response.content.decode()


def test_the_password_reset_limit_answers_429_alike_for_known_and_unknown_addresses(
    client, member, limits
):
    answers = {}
    for email in (member.email, UNKNOWN):
        for _attempt in range(BUDGET):
            assert client.post("/comptes/password/reset/", {"email": email}).status_code == 302
        answers[email] = client.post("/comptes/password/reset/", {"email": email})
    known, unknown = answers[member.email], answers[UNKNOWN]
    assert known.status_code == unknown.status_code == 429
    assert TOO_MANY_REQUESTS in known.content.decode()
    assert normalised(known, member.email) == normalised(unknown, UNKNOWN)

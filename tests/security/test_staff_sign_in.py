"""Finding 16 of the December 2026 review: staff sign-in friction, tried as a new editor would.

(a) An editor who must turn on TOTP (`MFA_REQUIRED_FOR_STAFF`) typed the password, was sent to
the activation page, and was asked for the password again (« Confirmer l'accès »): allauth 65
counts only *re*-authentications as recent, never the login itself. A password login now
counts as a recent authentication for `ACCOUNT_REAUTHENTICATION_TIMEOUT` (5 minutes); after
that, the confirmation is asked again.

(b) allauth's `MFA_TOTP_TOLERANCE` defaulted to 0: a phone clock a few seconds off gave
« Code incorrect » at random. One 30-second step either side is accepted now, never two, and a
used code stays refused. The clock of allauth's TOTP module is frozen at the edges of a step
so the window is tested exactly.
"""

import time

import pytest
from allauth.account.internal.flows import login as login_flow
from allauth.account.internal.flows import reauthentication
from allauth.mfa.totp.internal import auth as totp_auth

from tests.factories import TEST_PASSWORD
from tests.website.test_account_security import login

pytestmark = pytest.mark.django_db

MFA_SETUP = "/comptes/2fa/totp/activate/"
MFA_LOGIN = "/comptes/2fa/authenticate/"
REAUTH = "/comptes/reauthenticate/"
STEP = 30


@pytest.fixture(autouse=True)
def mfa_required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


class FrozenClock:
    """Stands in for the `time` module inside one allauth module."""

    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now


def code_at(secret, counter):
    return totp_auth.format_hotp_value(totp_auth.hotp_value(secret, counter))


# --- (a) one fresh login is enough ------------------------------------------------------------


def test_right_after_login_an_editor_gets_the_totp_activation_page_at_once(client, editor):
    response = login(client, editor)
    assert response.status_code == 302
    page = client.get(response.url, follow=True)
    assert [url for url, _status in page.redirect_chain] == [MFA_SETUP]
    body = page.content.decode()
    assert "Confirmer l'accès" not in body
    secret = client.session["mfa.totp.secret"]
    assert secret in body  # the activation form, with the secret to type in the app

    now = int(time.time())
    activated = client.post(MFA_SETUP, {"code": code_at(secret, now // STEP)})
    assert activated.status_code == 302
    assert client.get("/").status_code == 200


def test_an_old_login_is_asked_to_confirm_access_again(client, editor, monkeypatch):
    login(client, editor)
    six_minutes_later = FrozenClock(time.time() + 5 * 60 + 1)
    monkeypatch.setattr(reauthentication, "time", six_minutes_later)
    monkeypatch.setattr(login_flow, "time", six_minutes_later)  # when allauth records it

    response = client.get(MFA_SETUP)
    assert response.status_code == 302
    assert response.url.startswith(REAUTH)
    assert "Confirmer l'accès" in client.get(response.url).content.decode()

    client.post(REAUTH, {"password": TEST_PASSWORD})
    assert client.get(MFA_SETUP).status_code == 200


def test_a_forced_session_without_login_still_asks(client, editor):
    """Only a password typed in this session counts, not merely being logged in."""
    client.force_login(editor)
    response = client.get(MFA_SETUP)
    assert response.status_code == 302 and response.url.startswith(REAUTH)


# --- (b) one step of clock drift either side ----------------------------------------------


@pytest.fixture
def totp_member(client, member, monkeypatch):
    """A member with TOTP on, logged out; returns (secret, frozen clock)."""
    clock = FrozenClock(time.time())
    monkeypatch.setattr(totp_auth, "time", clock)
    login(client, member)
    client.post(REAUTH, {"password": TEST_PASSWORD})
    client.get(MFA_SETUP)
    secret = client.session["mfa.totp.secret"]
    assert client.post(MFA_SETUP, {"code": code_at(secret, int(clock.now) // STEP)}).url
    client.post("/comptes/logout/")
    return secret, clock


def _sign_in_with(client, member, code):
    assert login(client, member).url == MFA_LOGIN
    response = client.post(MFA_LOGIN, {"code": code})
    return client.session.get("_auth_user_id") == str(member.pk), response


@pytest.mark.parametrize(
    ("second_of_step", "drift", "accepted"),
    [
        (0, -1, True),  # first second of a step: the phone is still on the previous one
        (STEP - 1, +1, True),  # last second: the phone is already on the next one
        (0, -2, False),
        (STEP - 1, +2, False),
        (0, +2, False),
        (STEP - 1, -2, False),
    ],
)
def test_one_step_either_side_is_accepted_two_are_refused(
    client, member, totp_member, second_of_step, drift, accepted
):
    secret, clock = totp_member
    counter = int(clock.now) // STEP + 10  # a later step: the activation code is not reused
    clock.now = counter * STEP + second_of_step
    signed_in, response = _sign_in_with(client, member, code_at(secret, counter + drift))
    assert signed_in is accepted
    if not accepted:
        assert "Code incorrect" in response.content.decode()


def test_a_used_code_stays_refused_within_the_window(client, member, totp_member):
    secret, clock = totp_member
    counter = int(clock.now) // STEP + 10
    clock.now = counter * STEP
    code = code_at(secret, counter - 1)
    assert _sign_in_with(client, member, code)[0]
    client.post("/comptes/logout/")

    clock.now = counter * STEP + STEP - 1  # same step, still inside the previous code's window
    signed_in, response = _sign_in_with(client, member, code)
    assert not signed_in
    assert "Code incorrect" in response.content.decode()

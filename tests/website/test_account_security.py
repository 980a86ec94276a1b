"""Two-factor authentication, password reset and e-mail confirmation edge cases."""

import re
import time

import pytest
from allauth.account.internal.flows import login as login_flow
from allauth.account.internal.flows import reauthentication
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def login(client, user, password=TEST_PASSWORD):
    return client.post("/comptes/login/", {"login": user.email, "password": password})


def current_code(secret):
    """The code of the current 30-second step, never one about to expire: the server checks it
    a moment later and, without tolerance, would be in the next step."""
    left_in_step = 30 - time.time() % 30
    if left_in_step < 3:
        time.sleep(left_in_step + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def reauthenticate(client, password=TEST_PASSWORD):
    return client.post("/comptes/reauthenticate/", {"password": password})


def activate_totp(client, user):
    login(client, user)
    # The password typed at login counts as a recent authentication: no second prompt
    # (tests/security/test_staff_sign_in.py checks it is asked again once the login is old).
    page = client.get("/comptes/2fa/totp/activate/")
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post("/comptes/2fa/totp/activate/", {"code": current_code(secret)})
    assert response.status_code == 302
    return secret


def test_any_member_can_turn_on_totp_and_gets_recovery_codes(client, member):
    activate_totp(client, member)
    types = set(Authenticator.objects.filter(user=member).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}


def test_login_then_asks_for_the_code_and_refuses_a_wrong_one_in_french(client, member):
    activate_totp(client, member)
    client.post("/comptes/logout/")
    response = login(client, member)
    assert response.url == "/comptes/2fa/authenticate/"
    wrong = client.post("/comptes/2fa/authenticate/", {"code": "000000"})
    assert "Code incorrect" in wrong.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_works_once(client, member):
    activate_totp(client, member)
    codes = (
        Authenticator.objects.get(user=member, type=Authenticator.Type.RECOVERY_CODES)
        .wrap()
        .get_unused_codes()
    )
    client.post("/comptes/logout/")
    login(client, member)
    client.post("/comptes/2fa/authenticate/", {"code": codes[0]})
    assert client.session["_auth_user_id"] == str(member.pk)
    client.post("/comptes/logout/")
    login(client, member)
    client.post("/comptes/2fa/authenticate/", {"code": codes[0]})
    assert "_auth_user_id" not in client.session


def test_password_reset_mail_is_sent_and_unknown_addresses_get_the_same_answer(
    client, member, mailoutbox
):
    known = client.post("/comptes/password/reset/", {"email": member.email})
    unknown = client.post("/comptes/password/reset/", {"email": "personne@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert [mail.to for mail in mailoutbox][0] == [member.email]
    link = re.search(r"/comptes/password/reset/key/\S+/", mailoutbox[0].body).group(0)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"password1": "nouveau-mot-de-passe-2026", "password2": "nouveau-mot-de-passe-2026"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("nouveau-mot-de-passe-2026")


def test_a_tampered_reset_link_is_refused_in_french(client, member):
    response = client.get("/comptes/password/reset/key/1-mauvaise-cle/")
    assert response.status_code == 200
    assert "invalide" in response.content.decode()


def test_a_wrong_email_confirmation_key_is_refused_in_french(client):
    response = client.get("/comptes/confirm-email/cle-inventee/")
    assert response.status_code == 200
    assert "a expiré ou n'est pas valide" in response.content.decode()


class _Clock:
    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now


def test_changing_the_email_asks_for_the_password_then_confirms_the_new_address(
    client, member, mailoutbox, monkeypatch
):
    login(client, member)
    # Six minutes later the login no longer counts as a recent authentication.
    later = _Clock(time.time() + 6 * 60)
    monkeypatch.setattr(reauthentication, "time", later)
    monkeypatch.setattr(login_flow, "time", later)
    refused = client.post(
        "/comptes/email/", {"action_add": "", "email": "nouvelle.adresse@example.org"}
    )
    assert refused.url.startswith("/comptes/reauthenticate/")
    assert not mailoutbox
    reauthenticate(client)
    response = client.post(
        "/comptes/email/", {"action_add": "", "email": "nouvelle.adresse@example.org"}
    )
    assert response.status_code in (200, 302)
    assert any(mail.to == ["nouvelle.adresse@example.org"] for mail in mailoutbox)

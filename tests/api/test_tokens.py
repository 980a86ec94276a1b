"""Personal tokens: the account page, and what the API makes of a token."""

import re
import time
from datetime import timedelta

import pytest
from allauth.account.internal.flows import login as login_flow
from allauth.account.internal.flows import reauthentication
from django.urls import reverse
from django.utils import timezone

from tests.factories import TEST_PASSWORD
from website.api import services
from website.api.models import ApiToken

pytestmark = pytest.mark.django_db
TOKENS = "/compte/jetons/"


def sign_in(client, user):
    """Logged in with a recent authentication, as after typing the password."""
    client.force_login(user)
    assert client.post("/comptes/reauthenticate/", {"password": TEST_PASSWORD}).status_code == 302


def test_a_member_creates_a_token_shown_once_and_stored_as_a_digest(
    client, member, rendered_context
):
    sign_in(client, member)
    response = client.post(TOKENS, {"name": "Intranet de la CC", "scopes": ["read"], "days": "90"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=member)
    secret = response.context["new_secret"]
    assert secret.startswith("ent_") and len(secret) > 40
    assert secret in response.content.decode()
    assert token.key_hash == services.digest(secret) and secret not in token.key_hash
    assert token.scopes == ["read"]
    assert abs(token.expires_at - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
    # Never shown again: the list shows its first characters only.
    again = client.get(TOKENS).content.decode()
    assert secret not in again and token.prefix in again
    assert secret not in str(dict(client.session))


def test_the_expiry_is_90_days_by_default_and_at_most_a_year(client, member, rendered_context):
    sign_in(client, member)
    form = client.get(TOKENS).context["form"]
    assert form["days"].initial == 90
    response = client.post(TOKENS, {"name": "Trop long", "scopes": ["read"], "days": "366"})
    assert response.status_code == 400
    assert "La durée ne doit pas dépasser 365 jours (un an)." in response.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "scopes": ["read"], "days": "30"},
        {"name": "x", "scopes": [], "days": "30"},
        {"name": "x", "scopes": ["admin:import"], "days": "30"},
        {"name": "x", "scopes": ["read"], "days": "0"},
        {"name": "x", "scopes": ["read"], "days": "beaucoup"},
    ],
)
def test_a_bad_token_form_creates_nothing_and_says_why(client, member, data):
    sign_in(client, member)
    response = client.post(TOKENS, data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_member_revokes_a_token_and_it_stops_working(client, member, make_token, api):
    new = make_token(member)
    assert api(new.secret).get("/topics").status_code == 200
    client.force_login(member)
    response = client.post(reverse("api:token_revoke", args=[new.token.pk]))
    assert response.status_code == 302
    new.token.refresh_from_db()
    assert new.token.revoked_at is not None
    refused = api(new.secret).get("/topics")
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"


def test_a_member_cannot_revoke_another_members_token(client, member, make_user, make_token):
    other = make_token(make_user())
    client.force_login(member)
    assert client.post(reverse("api:token_revoke", args=[other.token.pk])).status_code == 404
    other.token.refresh_from_db()
    assert other.token.revoked_at is None


def test_visitors_and_pending_accounts_do_not_reach_the_token_page(client, pending_user):
    response = client.get(TOKENS)
    assert response.status_code == 302 and response["Location"].startswith("/comptes/login/")
    client.force_login(pending_user)
    response = client.post(TOKENS, {"name": "x", "scopes": ["read"], "days": "30"})
    assert response.status_code == 302 and response["Location"] == reverse("pending")
    assert not ApiToken.objects.exists()


def test_the_last_use_is_recorded_at_most_once_a_minute(member, make_token, api):
    new = make_token(member)
    assert new.token.last_used_at is None
    api(new.secret).get("/topics")
    new.token.refresh_from_db()
    first = new.token.last_used_at
    assert first is not None
    api(new.secret).get("/topics")
    new.token.refresh_from_db()
    assert new.token.last_used_at == first


def test_an_expired_token_is_refused(member, make_token, api):
    new = make_token(member, days=1)
    ApiToken.objects.filter(pk=new.token.pk).update(
        created_at=timezone.now() - timedelta(days=2),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    response = api(new.secret).get("/topics")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert "Bearer" in response["WWW-Authenticate"]


@pytest.mark.parametrize(
    "header",
    [
        "ent_abc",  # no scheme
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Bearer ent_a ent_b",
        "Bearer ent_" + "x" * 43,  # well formed, unknown
        "Bearer " + "é" * 20,
    ],
)
def test_malformed_or_unknown_tokens_are_refused(db, header, api):
    client = api(HTTP_AUTHORIZATION=header)
    response = client.get("/topics")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] in ("token_malformed", "token_unknown")


@pytest.mark.parametrize("name", ["token", "access_token", "api_key", "jeton"])
def test_a_token_in_the_query_string_is_refused_even_with_the_header(member, make_token, api, name):
    new = make_token(member)
    response = api(new.secret).get("/topics", {name: new.secret})
    assert response.status_code == 400
    assert response.json()["code"] == "token_in_query"
    # Under any parameter name, a value that is a token is refused too.
    response = api().get("/topics", {"q": new.secret})
    assert response.status_code == 400


def test_tokens_of_pending_or_deactivated_accounts_do_not_work(make_user, make_token, api):
    pending = make_token(make_user(approved_at=None))
    deactivated_user = make_user()
    deactivated = make_token(deactivated_user)
    deactivated_user.is_active = False
    deactivated_user.save()
    for new in (pending, deactivated):
        response = api(new.secret).get("/topics")
        assert response.status_code == 403
        assert response.json()["code"] == "account_not_active"


def test_a_logged_in_session_gives_no_access_to_the_api(client, member):
    """The API ignores the session cookie: no request can ride on it (hence no CSRF)."""
    client.force_login(member)
    response = client.get("/api/v1/topics")
    assert response.status_code == 401
    response = client.post(
        "/api/v1/questions/1/answers", {"body": "x" * 30}, content_type="application/json"
    )
    assert response.status_code == 401


def test_a_moderators_admin_token_needs_two_factor_authentication_when_the_site_does(
    settings, moderator, make_user, make_token, api
):
    new = make_token(moderator)
    settings.MFA_REQUIRED_FOR_STAFF = True
    # Without admin:staff the token acts as a plain member's: no second factor needed.
    assert api(new.secret).get("/topics").status_code == 200
    services.token_admin_grant(token=new.token, by=make_user(is_superuser=True))
    response = api(new.secret).get("/topics")
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"
    settings.MFA_REQUIRED_FOR_STAFF = False
    assert api(new.secret).get("/topics").status_code == 200


def test_only_a_superuser_gives_admin_staff_and_it_is_recorded(moderator, make_user, make_token):
    from django.core.exceptions import PermissionDenied

    new = make_token(moderator)
    with pytest.raises(PermissionDenied):
        services.token_admin_grant(token=new.token, by=moderator)
    superuser = make_user(is_superuser=True)
    token = services.token_admin_grant(token=new.token, by=superuser)
    token.refresh_from_db()
    assert "admin:staff" in token.scopes
    assert token.admin_granted_by == superuser and token.admin_granted_at is not None
    services.token_revoke(token=token)
    with pytest.raises(ValueError):
        services.token_admin_grant(token=token, by=superuser)


def test_the_account_page_does_not_offer_admin_staff(client, moderator):
    sign_in(client, moderator)
    page = client.get("/compte/jetons/").content.decode()
    assert "admin:staff" not in page
    response = client.post(
        "/compte/jetons/", {"name": "Moi", "scopes": ["admin:staff"], "days": "30"}
    )
    assert response.status_code == 400
    assert "Ce droit n&#x27;existe pas." in response.content.decode()


def test_a_staff_token_without_admin_staff_acts_as_a_plain_member(
    moderator, make_user, make_token, api, make_question, make_answer
):
    """A moderator's token without admin:staff cannot accept another member's answer (a
    moderator's power); with it, it can."""
    answer = make_answer(question=make_question())
    new = make_token(moderator)
    response = api(new.secret).put(f"/answers/{answer.pk}/accept", {"accepted": True})
    assert response.status_code == 403
    services.token_admin_grant(token=new.token, by=make_user(is_superuser=True))
    response = api(new.secret).put(f"/answers/{answer.pk}/accept", {"accepted": True})
    assert response.status_code == 200


def test_superusers_give_admin_staff_in_the_django_admin(client, moderator, make_user, make_token):
    new = make_token(moderator)
    form = {"action": "grant_admin_staff", "_selected_action": [new.token.pk]}
    client.force_login(moderator)
    client.post("/django-admin/api/apitoken/", form)
    new.token.refresh_from_db()
    assert "admin:staff" not in new.token.scopes
    superuser = make_user(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    assert client.get("/django-admin/api/apitoken/").status_code == 200
    response = client.post("/django-admin/api/apitoken/", form)
    assert response.status_code == 302
    new.token.refresh_from_db()
    assert "admin:staff" in new.token.scopes and new.token.admin_granted_by == superuser


def test_the_service_refuses_a_token_longer_than_a_year_or_without_scope(member):
    with pytest.raises(ValueError):
        services.token_create(user=member, name="x", scopes=["read"], days=366)
    with pytest.raises(ValueError):
        services.token_create(user=member, name="x", scopes=[], days=30)
    with pytest.raises(ValueError):
        services.token_create(user=member, name="x", scopes=["admin:*"], days=30)


def test_the_account_gate_leaves_the_api_to_its_own_gate(client, pending_user):
    """A pending account's session is not sent to the waiting page under /api/v1/: the API
    answers as to a visitor (a JSON problem, not a redirect)."""
    client.force_login(pending_user)
    response = client.get("/api/v1/topics")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


# --- A recent authentication to create one; a new password revokes them all ---------------


NEW_PASSWORD = "Nouveau-mot2passe!"


class _Later:
    """allauth's clock, six minutes on: the login no longer counts as recent."""

    def __init__(self):
        self.now = time.time() + 6 * 60

    def time(self):
        return self.now


def test_creating_a_token_asks_for_the_password_again_then_keeps_the_form(
    client, member, monkeypatch
):
    client.post("/comptes/login/", {"login": member.email, "password": TEST_PASSWORD})
    later = _Later()
    monkeypatch.setattr(reauthentication, "time", later)
    monkeypatch.setattr(login_flow, "time", later)
    page = client.get(TOKENS)  # the list itself asks for nothing, and warns
    assert page.status_code == 200
    assert "révoque tous vos jetons" in page.content.decode()
    form = {"name": "Intranet de la CC", "scopes": ["read"], "days": "30"}
    refused = client.post(TOKENS, form)
    assert refused.status_code == 302
    assert refused.url.startswith("/comptes/reauthenticate/")
    assert not ApiToken.objects.exists()
    wrong = client.post("/comptes/reauthenticate/", {"password": "pas le bon"})
    assert wrong.status_code == 200 and not ApiToken.objects.exists()
    # allauth replays the kept POST in its answer: the token is created with what was typed,
    # and its secret shown there, once.
    confirmed = client.post(refused.url, {"password": TEST_PASSWORD})
    assert confirmed.status_code == 200, confirmed
    token = ApiToken.objects.get(user=member)
    assert (token.name, token.scopes) == ("Intranet de la CC", ["read"])
    secret = re.search(r"ent_[A-Za-z0-9_-]{43}", confirmed.content.decode()).group(0)
    assert services.token_lookup(secret) == token


def test_revoking_needs_no_new_authentication(client, member, make_token, monkeypatch):
    new = make_token(member)
    client.post("/comptes/login/", {"login": member.email, "password": TEST_PASSWORD})
    later = _Later()
    monkeypatch.setattr(reauthentication, "time", later)
    monkeypatch.setattr(login_flow, "time", later)
    response = client.post(reverse("api:token_revoke", args=[new.token.pk]))
    assert response.status_code == 302 and response.url == TOKENS
    new.token.refresh_from_db()
    assert new.token.revoked_at is not None


def test_changing_the_password_revokes_every_token(client, member, make_user, make_token, api):
    mine = [make_token(member), make_token(member, scopes=["read"])]
    already = make_token(member)
    services.token_revoke(token=already.token)
    revoked_at = ApiToken.objects.get(pk=already.token.pk).revoked_at
    someone_elses = make_token(make_user())
    sign_in(client, member)
    response = client.post(
        "/comptes/password/change/",
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "Nouveau-mot2passe!",
            "password2": "Nouveau-mot2passe!",
        },
    )
    assert response.status_code == 302, response.content
    for new in mine:
        refused = api(new.secret).get("/topics")
        assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    assert ApiToken.objects.get(pk=already.token.pk).revoked_at == revoked_at
    assert api(someone_elses.secret).get("/topics").status_code == 200


def test_a_password_reset_revokes_every_token(client, member, make_token, mailoutbox, api):
    new = make_token(member)
    client.post("/comptes/password/reset/", {"email": member.email})
    link = re.search(r"https?://[^/\s]+(/comptes/password/reset/key/\S+/)", mailoutbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    # allauth moves the key into the session and redirects to the form.
    set_password = form_page.redirect_chain[-1][0]
    response = client.post(set_password, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content
    new.token.refresh_from_db()
    assert new.token.revoked_at is not None
    assert api(new.secret).get("/topics").json()["code"] == "token_revoked"


def test_an_editors_veille_token_keeps_the_editing_role_alone_and_needs_two_factors(
    settings, make_user, make_token, api
):
    """Merged rule of `admin:staff` and `write:veille`: a `write:veille` token acts with its
    editor's editing role only (not as a moderator), so it needs the second factor too."""
    from directory.roles import is_editor, is_moderator
    from website.api.auth import as_plain_member

    editor = make_user(roles=["Éditeurs", "Modérateurs"])
    acting = as_plain_member(editor, keep_editor=True)
    assert is_editor(acting) and not is_moderator(acting) and not acting.is_superuser
    new = make_token(editor, scopes=["read", "write:veille"])
    settings.MFA_REQUIRED_FOR_STAFF = True
    response = api(new.secret).get("/topics")
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"
    reader = make_token(editor, scopes=["read"])
    assert api(reader.secret).get("/topics").status_code == 200

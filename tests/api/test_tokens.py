"""Personal tokens: the account page, and what the API makes of a token."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from website.api import services
from website.api.models import ApiToken

pytestmark = pytest.mark.django_db
TOKENS = "/compte/jetons/"


def test_a_member_creates_a_token_shown_once_and_stored_as_a_digest(client, member):
    client.force_login(member)
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


def test_the_expiry_is_90_days_by_default_and_at_most_a_year(client, member):
    client.force_login(member)
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
    client.force_login(member)
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


def test_a_moderators_token_needs_two_factor_authentication_when_the_site_does(
    settings, moderator, make_token, api
):
    new = make_token(moderator)
    settings.MFA_REQUIRED_FOR_STAFF = True
    response = api(new.secret).get("/topics")
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"
    settings.MFA_REQUIRED_FOR_STAFF = False
    assert api(new.secret).get("/topics").status_code == 200


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

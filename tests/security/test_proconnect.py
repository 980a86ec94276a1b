"""ProConnect sign-in against a fake OpenID provider served on 127.0.0.1 inside the test."""

from urllib.parse import parse_qs, urlparse

import pytest
from allauth.socialaccount.models import SocialAccount

from directory.models import User
from tests.security.fake_oidc import (
    CLIENT_ID,
    FakeProConnect,
    ThreadedServer,
    new_key,
    use_provider,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings):
    fake = FakeProConnect()
    with ThreadedServer(fake) as server:
        fake.base_url = server.url
        use_provider(settings, server.url)
        yield fake


def start_login(client):
    response = client.post("/comptes/proconnect/login/")
    assert response.status_code == 302
    url = urlparse(response.url)
    return url, {key: values[0] for key, values in parse_qs(url.query).items()}


def finish_login(client, provider, params, *, state=None, nonce="same"):
    provider.nonce = params["nonce"] if nonce == "same" else nonce
    return client.get(
        "/comptes/proconnect/login/callback/",
        {"code": "code-autorisation", "state": params["state"] if state is None else state},
    )


def logged_in(client):
    return "_auth_user_id" in client.session


def test_the_login_sends_a_long_state_a_nonce_and_exactly_proconnect_scopes(client, provider):
    url, params = start_login(client)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{provider.issuer}/authorize"
    assert len(params["state"]) >= 32
    assert len(params["nonce"]) >= 32
    assert params["client_id"] == CLIENT_ID
    assert set(params["scope"].split()) == {
        "openid",
        "email",
        "given_name",
        "usual_name",
        "siret",
        "idp_id",
        "roles",
        "organization_label",
    }
    _, again = start_login(client)
    assert again["nonce"] != params["nonce"] and again["state"] != params["state"]


def test_a_scope_or_nonce_passed_in_the_url_cannot_change_the_request(client, provider):
    response = client.post(
        "/comptes/proconnect/login/?scope=phone&auth_params=nonce%3Dchoisi%26prompt%3Dnone"
    )
    params = {k: v[0] for k, v in parse_qs(urlparse(response.url).query).items()}
    assert "phone" not in params["scope"]
    assert params["nonce"] != "choisi"
    assert "prompt" not in params


def test_a_good_login_creates_a_pending_account_linked_by_sub(client, provider):
    _, params = start_login(client)
    response = finish_login(client, provider, params)
    assert response.status_code == 302
    assert client.get(response.url, follow=True).redirect_chain[-1][0] == "/compte/en-attente/"
    user = User.objects.get(email="agent.public@example.org")
    assert user.is_pending
    assert (user.first_name, user.last_name) == ("Dominique", "Exemple")
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("proconnect", "sub-agent-0001")
    assert logged_in(client)
    assert client.get("/").url == "/compte/en-attente/"
    # The token request carried the code and the client credentials.
    assert provider.token_requests[-1]["code"] == ["code-autorisation"]


def test_a_second_login_finds_the_same_account_by_sub_even_if_the_address_changed(client, provider):
    _, params = start_login(client)
    finish_login(client, provider, params)
    client.post("/comptes/logout/")
    provider.userinfo = {"email": "nouvelle.adresse.agent@example.org"}
    _, params = start_login(client)
    finish_login(client, provider, params)
    assert User.objects.count() == 1
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)


def refused(client, response):
    assert response.status_code in (200, 400, 401, 403)
    assert not logged_in(client)
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


def test_a_wrong_state_is_refused(client, provider):
    _, params = start_login(client)
    refused(client, finish_login(client, provider, params, state="x" * 43))


def test_a_replayed_state_is_refused(client, provider):
    _, params = start_login(client)
    finish_login(client, provider, params)
    client.post("/comptes/logout/")
    User.objects.all().delete()
    refused(client, finish_login(client, provider, params))


def test_a_wrong_nonce_is_refused(client, provider):
    _, params = start_login(client)
    refused(client, finish_login(client, provider, params, nonce="n" * 43))


def test_a_missing_nonce_is_refused(client, provider):
    _, params = start_login(client)
    refused(client, finish_login(client, provider, params, nonce=None))


def test_an_id_token_signed_with_another_key_is_refused(client, provider):
    provider.signing_key = new_key()
    _, params = start_login(client)
    refused(client, finish_login(client, provider, params))


def test_an_unsigned_or_hmac_signed_id_token_is_refused(client, provider):
    provider.signing_algorithm = "HS256"
    provider.signing_key = "le-secret-client-utilise-comme-cle-hmac-0123456789"
    _, params = start_login(client)
    refused(client, finish_login(client, provider, params))


def test_an_id_token_for_another_client_is_refused(client, provider):
    provider.overrides = {"aud": "un-autre-client"}
    _, params = start_login(client)
    refused(client, finish_login(client, provider, params))


def test_an_id_token_from_another_issuer_is_refused(client, provider):
    provider.overrides = {"iss": "https://faux-fournisseur.example.org/api/v2"}
    _, params = start_login(client)
    refused(client, finish_login(client, provider, params))


def test_an_expired_id_token_is_refused(client, provider):
    provider.overrides = {"exp": 1_700_000_000, "iat": 1_699_999_000}
    _, params = start_login(client)
    refused(client, finish_login(client, provider, params))


def test_user_info_about_someone_else_is_refused(client, provider):
    provider.userinfo = {"sub": "sub-quelqu-un-d-autre"}
    _, params = start_login(client)
    refused(client, finish_login(client, provider, params))


def test_logout_ends_the_session_at_proconnect_with_the_id_token_hint(client, provider):
    _, params = start_login(client)
    finish_login(client, provider, params)
    id_token = client.session["proconnect_id_token"]
    response = client.post("/comptes/logout/")
    assert not logged_in(client)
    url = urlparse(response.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{provider.issuer}/session/end"
    query = parse_qs(url.query)
    assert query["id_token_hint"] == [id_token]
    assert len(query["state"][0]) >= 32
    assert query["post_logout_redirect_uri"] == ["https://testserver/"]


def test_proconnect_is_off_without_configuration(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert client.post("/comptes/proconnect/login/").status_code == 404
    assert client.get("/comptes/proconnect/login/callback/").status_code == 404


def test_the_login_page_offers_proconnect_only_when_configured(client, provider, settings):
    assert "/comptes/proconnect/login/" in client.get("/comptes/login/").content.decode()
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert "/comptes/proconnect/login/" not in client.get("/comptes/login/").content.decode()


def test_the_policy_lets_forms_lead_to_proconnect_only_when_it_is_configured():
    """Finding 11; the browser journey is tests/e2e/test_proconnect_journey.py."""
    from csp.constants import SELF

    from website.csp import content_security_policy

    def form_action(**kwargs):
        return content_security_policy(**kwargs)["DIRECTIVES"]["form-action"]

    assert form_action() == [SELF]
    assert form_action(proconnect_domain="auth.agentconnect.gouv.fr") == [
        SELF,
        "https://auth.agentconnect.gouv.fr",
    ]
    assert form_action(proconnect_domain="https://proconnect.example/base/") == [
        SELF,
        "https://proconnect.example",
    ]

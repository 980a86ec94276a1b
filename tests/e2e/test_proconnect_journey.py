"""ProConnect in Chromium (security review, finding 11): sign in and sign out against the
fake provider of `tests/security/fake_oidc.py`, on another loopback origin.

Both flows are a form posted to this site whose answer redirects to the provider. Chromium
applies the page's CSP `form-action` to that redirect too, so a policy of `'self'` alone
stopped both at our own page (the Django test client, which `test_proconnect.py` uses,
enforces no CSP). The journey fails on any CSP violation (`new_page`).
"""

from urllib.parse import parse_qs, urlencode

import pytest
from allauth.socialaccount.models import SocialAccount

from tests.security.fake_oidc import FakeProConnect, ThreadedServer, use_provider
from website.csp import content_security_policy

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class BrowserProConnect(FakeProConnect):
    """The fake provider plus the two pages a browser visits: authorisation (the agent is
    already known: it answers at once with a code) and the end of the session."""

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "/api/v2/authorize":
            self.nonce = query["nonce"]
            answer = urlencode({"code": "code-autorisation", "state": query["state"]})
            start_response("302 Found", [("Location", f"{query['redirect_uri']}?{answer}")])
            return [b""]
        if path == "/api/v2/session/end":
            self.ended_sessions.append(query)
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return ["<title>ProConnect</title><h1>Session ProConnect terminée</h1>".encode()]
        return super().__call__(environ, start_response)


@pytest.fixture
def provider(settings):
    fake = BrowserProConnect()
    fake.ended_sessions = []
    with ThreadedServer(fake) as server:
        fake.base_url = server.url
        use_provider(settings, server.url)
        # The live server speaks plain HTTP: the callback address allauth sends must too.
        settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
        # The policy settings.py builds when PROCONNECT_DOMAIN names this provider.
        settings.CONTENT_SECURITY_POLICY = content_security_policy(proconnect_domain=server.url)
        yield fake


def test_an_agent_signs_in_and_out_with_proconnect_in_chromium(new_page, provider):
    page = new_page()
    page.goto("/comptes/login/")
    page.locator('a[href*="/comptes/proconnect/login/"]').first.click()
    page.wait_for_url("**/comptes/proconnect/login/**")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/comptes/login/" not in url and "/proconnect/" not in url)
    account = SocialAccount.objects.get(provider="proconnect")
    assert account.uid == "sub-agent-0001"
    assert account.user.email == "agent.public@example.org"
    assert "/compte/en-attente/" in page.url  # a new agent waits for a moderator

    page.goto("/comptes/logout/")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: url.startswith(provider.base_url))
    assert "Session ProConnect terminée" in page.content()
    assert provider.ended_sessions[0]["id_token_hint"]

"""Security headers on every page type and cookie flags, under production's settings."""

import re

import pytest
from django.test import Client

from qa import services as qa_services
from tests.factories import TEST_PASSWORD
from tests.security import production
from tests.security.inventory import parameterless_paths

pytestmark = pytest.mark.django_db

# The Wagtail and Django admins ship inline scripts and styles: their own policy (settings).
CSP_EXCLUDED = ("/admin/", "/django-admin/")
EXTRA_PAGES = ["/", "/page-qui-n-existe-pas/", "/recherche/?q=eau", "/static/css/entraide.css"]


@pytest.fixture
def prod(settings):
    production.apply(settings)


@pytest.fixture
def content(member, make_topic):
    topic = make_topic(name="Voirie")
    question = qa_services.question_create(
        author=member, title="Qui entretient les chemins ruraux ?", body="Question.", topics=[topic]
    )
    return [question.get_absolute_url(), f"/sujets/{topic.slug}/"]


def pages(content):
    return sorted(set(parameterless_paths()) | set(EXTRA_PAGES) | set(content))


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def header_problems(path, response) -> list[str]:
    problems = []
    hsts = response.get("Strict-Transport-Security", "")
    match = re.search(r"max-age=(\d+)", hsts)
    if not match or int(match.group(1)) < 31536000 or "includeSubDomains" not in hsts:
        problems.append(f"HSTS: {hsts!r}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("nosniff missing")
    if response.get("Referrer-Policy") not in ("same-origin", "strict-origin", "no-referrer"):
        problems.append(f"Referrer-Policy: {response.get('Referrer-Policy')!r}")
    if response.get("Cross-Origin-Opener-Policy") != "same-origin":
        problems.append("COOP missing")
    is_html = response.get("Content-Type", "").startswith("text/html")
    if is_html and response.get("X-Frame-Options") != "DENY":
        problems.append("X-Frame-Options missing")
    if is_html and not path.startswith(CSP_EXCLUDED):
        csp = csp_directives(response.get("Content-Security-Policy", ""))
        scripts = csp.get("script-src", csp.get("default-src", []))
        if not scripts:
            problems.append("CSP without script-src")
        if "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "*" in scripts:
            problems.append(f"CSP script-src too open: {scripts}")
        # A nonce appears only on pages that render one; 'self' alone is stricter still.
        if "'unsafe-inline'" in csp.get("style-src", []):
            problems.append("CSP style-src allows inline styles")
        if csp.get("frame-ancestors") != ["'none'"]:
            problems.append(f"CSP frame-ancestors: {csp.get('frame-ancestors')}")
        if csp.get("object-src") != ["'none'"]:
            problems.append("CSP object-src not none")
        if "base-uri" not in csp:
            problems.append("CSP base-uri missing")
    return [f"{path} ({response.status_code}): {p}" for p in problems]


@pytest.mark.parametrize("role", ["visitor", "member", "moderator", "editor"])
def test_every_page_type_sends_the_security_headers(prod, request, role, content):
    # Server errors (Wagtail's /admin/failwhale/ test page) are checked as pages too.
    client = Client(raise_request_exception=False, **production.HTTPS)
    if role != "visitor":
        client.force_login(request.getfixturevalue(role))
    problems = []
    for path in pages(content):
        problems += header_problems(path, client.get(path))
    assert not problems, "\n".join(problems)


def test_plain_http_is_redirected_to_https(prod, client):
    response = client.get("/comptes/login/")
    assert response.status_code == 301
    assert response.url.startswith("https://")


def test_the_health_check_answers_over_plain_http_for_monitors(prod, client):
    assert client.get("/sante/").status_code in (200, 503)


def assert_cookie(cookie, *, httponly=True):
    assert cookie["secure"], cookie.key
    assert cookie["samesite"].lower() in ("lax", "strict"), cookie.key
    if httponly:
        assert cookie["httponly"], cookie.key


def test_session_csrf_language_and_message_cookies_are_secure(prod, member):
    client = Client(**production.HTTPS)
    client.get("/comptes/login/")
    # The CSRF cookie is read by no script, but HttpOnly would add nothing (Django's docs):
    # what matters is Secure and SameSite.
    assert_cookie(client.cookies["csrftoken"], httponly=False)
    response = client.post(
        "/comptes/login/", {"login": member.email, "password": TEST_PASSWORD}, **production.HTTPS
    )
    assert response.status_code == 302
    assert_cookie(client.cookies["sessionid"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert_cookie(response.cookies["django_language"])
    for name, cookie in response.cookies.items():
        if cookie.value and name == "messages":
            assert_cookie(cookie)


def test_production_settings_are_what_the_tests_apply():
    values = production.production_settings()
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["LANGUAGE_COOKIE_SECURE"] and values["LANGUAGE_COOKIE_HTTPONLY"]

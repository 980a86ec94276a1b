"""CSRF on every URL of the URL conf, and no GET that changes the database.

The URL list is generated from the URL conf (`tests/security/inventory.py`): a view added
tomorrow is checked without touching this file.
"""

import logging

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client

from qa import services as qa_services
from tests.security.inventory import parameterless_paths, url_patterns

pytestmark = pytest.mark.django_db

# Views that skip Django's CSRF check, each reviewed. Anything else marked csrf_exempt fails.
REVIEWED_CSRF_EXEMPT = {
    # Wagtail's admin API (read-only listings, plus page actions): Django REST framework's
    # SessionAuthentication enforces CSRF itself for unsafe methods (checked below).
    "wagtail.admin.api.views.PagesAdminAPIViewSet": "DRF SessionAuthentication checks CSRF",
    "wagtail.documents.api.admin.views.DocumentsAdminAPIViewSet": "DRF, read-only viewset",
    "wagtail.images.api.admin.views.ImagesAdminAPIViewSet": "DRF, read-only viewset",
    # RFC 8058 one-click unsubscribe: mail clients POST without cookies; the signed token in
    # the URL is the authorisation, and the only effect is to stop e-mails.
    "website.notifications.views.unsubscribe": "RFC 8058 one-click unsubscribe, signed token",
}
# Paths the URL conf cannot build by itself (a catch-all regex).
EXTRA_PATHS = ["/", "/une-page/"]


@pytest.fixture
def superuser(make_user):
    return make_user(is_superuser=True, is_staff=True)


def is_exempt(view) -> bool:
    return bool(getattr(view, "csrf_exempt", False))


def test_csrf_protection_is_on():
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


def test_the_views_that_skip_csrf_are_exactly_the_reviewed_ones():
    exempt = {route.view_name for route in url_patterns() if is_exempt(route.view)}
    assert exempt == set(REVIEWED_CSRF_EXEMPT)


def test_every_url_refuses_a_post_without_csrf_token(superuser, caplog):
    """Posted as a superuser, so that a refusal can only come from the missing token."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(superuser)
    routes = [r for r in url_patterns() if r.path and not is_exempt(r.view)]
    paths = sorted({r.path for r in routes} | set(EXTRA_PATHS))
    assert len(paths) > 100
    accepted = []
    for path in paths:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            response = client.post(path, {"title": "x", "body": "x"})
        refused_for_csrf = response.status_code == 403 and any(
            record.name == "django.security.csrf" for record in caplog.records
        )
        if not refused_for_csrf:
            accepted.append(f"{path} → {response.status_code}")
    assert not accepted, "POST without CSRF token not refused:\n" + "\n".join(accepted)


def test_the_reviewed_exempt_views_still_refuse_a_forged_post(superuser):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(superuser)
    for route in url_patterns():
        if route.path and is_exempt(route.view):
            response = client.post(route.path, {})
            # DRF refuses without token (403) or the method (405); a bad unsubscribe
            # token is refused (400/404).
            assert response.status_code in (400, 403, 404, 405), (route.path, response)


# --- No GET changes state ------------------------------------------------------------------

# Rows a GET may legitimately add, each with its reason.
GET_MAY_CHANGE = {
    # Wagtail creates an admin profile (language, theme) on first visit of the admin.
    "wagtailusers.UserProfile": "lazy per-user admin preferences",
    # The preferences page shows the private feed address; its random token is made on
    # first view (one per user, idempotent).
    "notifications.FeedToken": "lazy per-user private feed token",
}
# Sessions are what a GET may write (CSRF-free state of the visitor), never domain data.
NOT_DOMAIN_DATA = {Session._meta.label}


def count_rows() -> dict[str, int]:
    """Every model's row count in one query."""
    models = [
        m
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy and m._meta.label not in NOT_DOMAIN_DATA
    ]
    quote = connection.ops.quote_name
    # Table names come from the models, quoted by the backend: no outside input.
    select = ", ".join(
        f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})"  # noqa: S608
        for m in models
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select}")
        counts = cursor.fetchone()
    return dict(zip([m._meta.label for m in models], counts, strict=True))


@pytest.fixture
def some_content(member, make_topic, make_structure, make_position):
    topic = make_topic(name="Urbanisme")
    make_position(structure=make_structure(name="Commune d'Essai"))
    question = qa_services.question_create(
        author=member, title="Instruire un permis de construire ?", body="Merci.", topics=[topic]
    )
    qa_services.answer_create(question=question, author=member, body="Voici comment.")
    return question


ROLES = ["visitor", "pending_user", "member", "expert", "moderator", "editor", "superuser"]


@pytest.mark.parametrize("role", ROLES)
def test_no_get_changes_the_database(request, role, some_content):
    client = Client(raise_request_exception=False)
    user = None if role == "visitor" else request.getfixturevalue(role)
    if user:
        client.force_login(user)
    paths = sorted(set(parameterless_paths()) | {"/", some_content.get_absolute_url()})
    changed = []
    before = count_rows()
    for path in paths:
        client.get(path)
        after = count_rows()
        diff = {
            label: after[label] - before[label]
            for label in after
            if after[label] != before[label] and label not in GET_MAY_CHANGE
        }
        if diff:
            changed.append(f"GET {path}: {diff}")
        before = after
        if user:
            # Nor does any GET log the user out (logout is POST-only).
            assert client.session.get("_auth_user_id") == str(user.pk), path
    assert not changed, "\n".join(changed)

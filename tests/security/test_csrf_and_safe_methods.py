"""CSRF on every URL of the URL conf, and no GET that changes the database.

The URL list is generated from the URL conf (`tests/security/inventory.py`): a view added
tomorrow is checked without touching this file.
"""

import logging

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client

from qa import selectors as qa_selectors
from qa.models import Question
from tests.security.inventory import url_patterns
from tests.security.world import (
    FILLED,
    ROLES,
    differences,
    paths_for,
    snapshot,
    snapshot_after,
    writes_so_far,
)

pytestmark = pytest.mark.django_db

# Views that skip Django's CSRF check, each reviewed. Anything else marked csrf_exempt fails.
REVIEWED_CSRF_EXEMPT = {
    # Wagtail's admin API (read-only listings, plus page actions), through the stand-in that
    # loads it at its first request (website/admin_api.py): Django REST framework's
    # SessionAuthentication enforces CSRF itself for unsafe methods (checked below).
    "website.admin_api._view.<locals>.view": "DRF SessionAuthentication checks CSRF",
    # RFC 8058 one-click unsubscribe: mail clients POST without cookies; the signed token in
    # the URL is the authorisation, and the only effect is to stop e-mails.
    "website.notifications.views.unsubscribe": "RFC 8058 one-click unsubscribe, signed token",
    # « Vérifiez votre fiche »: the e-mailed link is opened without a session; the signed
    # token in the URL is the authorisation, and the only effect is the entry's check date.
    "directory.views.entry_check": "signed one-click confirmation of one's directory entry",
    # The inbound mail webhook: the provider posts without cookies; anymail checks its HMAC
    # signature (tests/notifications/test_inbound_webhook.py), and it only stores a message.
    "website.notifications.webhook.mailgun_inbound": "provider's HMAC signature (anymail)",
    # Postmark, SendGrid, Brevo sign nothing: HTTP basic auth (anymail, constant time) is
    # the credential (tests/notifications/test_inbound_webhook_providers.py).
    "website.notifications.webhook.provider_inbound": "provider's HTTP basic auth (anymail)",
    # The API (/api/v1/, django-ninja marks its views exempt): it authenticates by the bearer
    # token only and ignores the session cookie (website/api/auth.py), so a forged cross-site
    # request carries no credential; tests/api/test_tokens.py checks that a session gets 401.
    "ninja.operation.PathView.get_view.<locals>.sync_view_wrapper": "API: bearer token only",
    # The footer's language switch: a member's POST is checked (csrf_protect inside); a
    # visitor's page holds no token so that a shared cache may keep it, and a forged switch
    # only changes a visitor's language (website/views.py, tests/qa/test_http_cache.py).
    "website.views.set_language": "visitors only; members' switch checked by csrf_protect",
}
# Paths the URL conf cannot build by itself (a catch-all regex).
# The @mention autocomplete with a query that finds people (a read, whoever asks).
EXTRA_PATHS = ["/", "/une-page/", "/annuaire/mentions/?q=Du"]


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
            # token is refused (400/404); /api/v1/ ignores the session cookie, so a POST
            # without a bearer token is a visitor's (401).
            allowed = (400, 403, 404, 405) + ((401,) if route.path.startswith("/api/v1/") else ())
            assert response.status_code in allowed, (route.path, response)


# --- No GET changes state ------------------------------------------------------------------

# Rows a GET may add (never change or remove), each with its reason; the new row must belong to
# the requesting user.
GET_MAY_ADD = {
    # Wagtail creates an admin profile (language, theme) on first visit of the admin.
    "wagtailusers.UserProfile": "lazy per-user admin preferences",
    # The preferences page shows the private feed address; its random token is made on
    # first view (one per user, idempotent).
    "notifications.FeedToken": "lazy per-user private feed token",
    # Opening a thread records the member's visit: what others post after it is « Nouveau »
    # for them (issue 20, item 6). One row per member and thread.
    "qa.ThreadVisit": "the member's last visit of a thread (unread markers)",
}
# Tables of figures derived from the site's data, which a GET may recompute: the shared needs'
# and the dashboard's aggregates, refreshed when a page finds them stale (docs/coordination.md;
# that the refresh gives exactly the live figures is tests/needs/test_materialised_needs.py's
# and tests/website/steering/test_selectors_reference.py's check).
GET_MAY_RECOMPUTE = {
    "needs.NeedsRefresh",
    "needs.TopicStructure",
    "needs.TopicSupporter",
    "needs.TopicDay",
    "needs.TrendMonth",
    "steering.OpenTopic",
    "steering.OpenTerritory",
    "steering.DelayMonth",
    "steering.CommuneActivityRow",
}
# Columns a GET may change, each with its reason.
GET_MAY_UPDATE = {
    # Reading a feed with its token records the use (at most once an hour), so that a token
    # nobody reads any more expires (issue 13, finding 13).
    "notifications.FeedToken": {"last_used_at"},
    # Opening a notification (its link in the centre) marks the member's own notifications
    # about that page read (issue 20, item 8): the same on every repetition.
    "notifications.Notification": {"read_at"},
    # The member's last visit of a thread, and of the page of a topic, person or structure
    # they follow: « Mes suivis » counts what is new since (issue 20, items 5 and 6).
    "qa.ThreadVisit": {"seen_at"},
    "qa.TopicFollow": {"seen_at"},
    "directory.PersonFollow": {"seen_at"},
    "directory.StructureFollow": {"seen_at"},
}
# Parameterised routes the GET check does not fill, by pattern prefix, each with its reason.
NOT_VISITED_PREFIXES = {
    "admin/": "Wagtail admin views taking an id: the admin access matrix "
    "(test_admin_access_control.py) covers them; its parameterless pages are visited here",
    "django-admin/": "Django admin views taking an id: same as the Wagtail admin",
    "api/v1/": "API operations taking an id: tests/api/test_access_matrix.py calls every "
    "operation as each role and scope (the API ignores the session: a GET here is a visitor's)",
}
# Pages that answer 500 by design.
CRASH_ON_PURPOSE = {"/admin/failwhale/": "Wagtail's test page for error reporting"}
# Routes with no concrete path, each with its reason.
NOT_VISITED = {
    "admin/^.*/$": "Wagtail admin's catch-all 404 (any unknown admin address)",
    "api_not_found": "the API's catch-all 404 (any unknown address under /api/v1/)",
    "api:token_revoke": "POST only (405 on GET): tests/api/test_tokens.py",
    "notifications:inbound_webhook_provider": "POST only (405 on GET), 404 for a provider "
    "not turned on: tests/notifications/test_inbound_webhook_providers.py",
}


def _visited_routes(world) -> dict[str, list[str]]:
    """Every route of the URL conf → the paths the check visits for it (none if skipped)."""
    visits = {}
    for route in url_patterns():
        if route.has_parameters:
            visits[route.name] = paths_for(route.name, world) or []
        else:
            visits[route.name] = [route.path] if route.path else []
    return visits


def _skip_reason(route) -> str | None:
    if route.name in NOT_VISITED:
        return NOT_VISITED[route.name]
    for prefix, reason in NOT_VISITED_PREFIXES.items():
        if route.pattern.startswith(prefix):
            return reason
    return None


def test_every_get_route_is_visited_or_skipped_with_a_reason(shared_world):
    """A view added tomorrow must get an object in tests/security/world.py (or a reason)."""
    visits = _visited_routes(shared_world)
    forgotten = [
        f"{route.name} ({route.pattern})"
        for route in url_patterns()
        if not visits[route.name] and _skip_reason(route) is None
    ]
    assert not forgotten, "GET routes neither visited nor skipped:\n" + "\n".join(forgotten)
    stale = sorted(name for name in NOT_VISITED if visits.get(name, True))
    assert not stale, f"skipped routes that are now visited or gone: {stale}"
    unknown = sorted(set(FILLED) - set(visits))
    assert not unknown, f"tests/security/world.py fills routes that are gone: {unknown}"


def _get_paths(world) -> list[str]:
    paths = {path for paths in _visited_routes(world).values() for path in paths}
    return sorted(paths | set(EXTRA_PATHS))


def _changes_made_by_gets(client, paths, user) -> list[str]:
    """GET each path in turn; report every row added, removed or changed by one of them."""
    changed = []
    before, writes = snapshot(), writes_so_far()
    for path in paths:
        response = client.get(path)
        if path not in CRASH_ON_PURPOSE:
            assert response.status_code < 500, f"GET {path} → {response.status_code}"
        after, writes = snapshot_after(before, writes)
        diff = differences(before, after)
        for label in diff.keys() & (GET_MAY_ADD.keys() | GET_MAY_UPDATE.keys()):
            old = _without(before[label], GET_MAY_UPDATE.get(label, ()))
            new = _without(after[label], GET_MAY_UPDATE.get(label, ()))
            if old == new or (label in GET_MAY_ADD and _only_own_rows_added(old, new, user)):
                del diff[label]
        for label in diff.keys() & GET_MAY_RECOMPUTE:
            del diff[label]
        if diff:
            changed.append(f"GET {path}: {diff}")
        before = after
        if user:
            # Nor does any GET log the user out (logout is POST-only).
            assert client.session.get("_auth_user_id") == str(user.pk), path
    return changed


def _without(rows: list, columns) -> list:
    return [{key: value for key, value in row.items() if key not in columns} for row in rows]


def _only_own_rows_added(old: list, new: list, user) -> bool:
    added = [row for row in new if row not in old]
    kept = all(row in new for row in old)
    return kept and user is not None and all(row["user_id"] == user.pk for row in added)


@pytest.mark.parametrize("role", [*ROLES, "superuser"])
def test_no_get_changes_the_database(shared_world, role):
    """Every route of the URL conf with an object behind each id (threads, answers and
    comments and their permalinks, people, structures, documents, feeds with their tokens,
    proposals, meetings, edit forms, unsubscribe links, notifications), GET as each role:
    every row of every table stays as it was."""
    client = Client(raise_request_exception=False)
    user = shared_world.users[role]
    if user:
        client.force_login(user)
    changed = _changes_made_by_gets(client, _get_paths(shared_world), user)
    assert not changed, "\n".join(changed)


def test_the_get_check_catches_a_get_that_updates_a_row(shared_world, monkeypatch):
    """The check above can fail: a thread page that rewrites its question's title on GET (no
    row count moves) is reported."""
    real_thread_for = qa_selectors.thread_for

    def thread_for_that_writes(question, user, **options):
        Question.objects.filter(pk=question.pk).update(title="Titre réécrit par un GET")
        return real_thread_for(question, user, **options)

    monkeypatch.setattr(qa_selectors, "thread_for", thread_for_that_writes)
    client = Client(raise_request_exception=False)
    client.force_login(shared_world.author)
    path = shared_world.question.get_absolute_url()
    changed = _changes_made_by_gets(client, ["/", path], shared_world.author)
    assert len(changed) == 1 and changed[0].startswith(f"GET {path}: "), changed
    assert "qa.Question" in changed[0] and "Titre réécrit par un GET" in changed[0]


def test_opening_another_accounts_confirmation_link_does_not_log_out(shared_world, client):
    """allauth logged out a member who merely opened (GET) the e-mail confirmation link of
    another account, so an image tag carrying an attacker's own key logged out anyone who
    displayed it. The GET now only shows the page; the confirming POST still logs the other
    account out before confirming."""
    client.force_login(shared_world.author)
    response = client.get(shared_world.confirm_email)
    assert response.status_code == 200
    assert "bruno.nouvelle@example.org" in response.content.decode()
    assert client.session.get("_auth_user_id") == str(shared_world.author.pk)

    response = client.post(shared_world.confirm_email)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert EmailAddress.objects.get(email="bruno.nouvelle@example.org").verified

"""The request's user carries its groups, TOTP, unread count and feed token, read once per
request with the user (website/auth_backends.py), and never anything from another request."""

import subprocess
import sys

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from directory.roles import COORDINATORS
from website.notifications.kinds import Kind
from website.notifications.models import FeedToken, Notification

pytestmark = pytest.mark.django_db

DASHBOARD = "/pilotage/"  # moderators and coordinators only


def notify(user, n):
    return Notification.objects.create(
        recipient=user, kind=Kind.values[0], event_key=f"essai-{n}", title=f"N{n}", url="/"
    )


def test_a_role_given_or_taken_shows_on_the_next_request(client, member):
    client.force_login(member)
    assert client.get(DASHBOARD).status_code == 403
    member.groups.add(Group.objects.get(name=COORDINATORS))
    assert client.get(DASHBOARD).status_code == 200
    member.groups.clear()
    assert client.get(DASHBOARD).status_code == 403


def test_two_members_taking_turns_never_get_each_others_roles_or_counts(make_user):
    coordinator, member = make_user(roles=[COORDINATORS]), make_user()
    for n in range(3):
        notify(coordinator, n)
    notify(member, 9)
    theirs, mine = Client(), Client()
    theirs.force_login(coordinator)
    mine.force_login(member)
    for _ in range(3):
        coordinator_page = theirs.get(DASHBOARD)
        assert coordinator_page.status_code == 200
        assert "3 non lues" in coordinator_page.content.decode()
        assert mine.get(DASHBOARD).status_code == 403
        home = mine.get("/questions/").content.decode()
        assert "1 non lue<" in home and "3 non lues" not in home


def test_a_notification_and_its_reading_show_on_the_next_page(client, member):
    client.force_login(member)
    assert "non lue" not in client.get("/questions/").content.decode()
    notify(member, 1)
    assert "1 non lue<" in client.get("/questions/").content.decode()
    Notification.objects.update(read_at="2026-01-01T00:00:00Z")
    assert "non lue" not in client.get("/questions/").content.decode()


def test_the_staff_gate_reads_the_authenticator_added_since_the_last_request(
    client, moderator, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(moderator)
    assert client.get("/questions/")["Location"] == "/comptes/2fa/totp/activate/"
    Authenticator.objects.create(
        user=moderator, type=Authenticator.Type.TOTP, data={"secret": "essai"}
    )
    assert client.get("/questions/").status_code == 200
    Authenticator.objects.all().delete()
    assert client.get("/questions/").status_code == 302


def test_the_feed_link_carries_the_members_own_current_token(client, make_user, settings):
    settings.PUBLIC_READ = False
    first, second = make_user(), make_user()
    client.force_login(first)
    client.get("/questions/")  # the first Q&A page makes the token
    token = FeedToken.objects.get(user=first).token
    assert f"jeton={token}" in client.get("/questions/").content.decode()
    FeedToken.objects.filter(user=first).update(token="renouvele-" + "x" * 30)
    page = client.get("/questions/").content.decode()
    assert "jeton=renouvele-" in page and f"jeton={token}" not in page
    client.force_login(second)
    client.get("/questions/")
    assert "jeton=renouvele-" not in client.get("/questions/").content.decode()


def test_a_session_opened_before_the_change_stays_logged_in(client, member):
    """Sessions remember the backend's path: the old paths are given the new ones."""
    client.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
    session.save()
    assert client.get("/questions/").status_code == 200
    assert client.session[BACKEND_SESSION_KEY] == "website.auth_backends.AuthenticationBackend"
    assert client.get("/questions/").status_code == 200


def test_a_page_reads_the_member_in_one_query_with_their_state(client, moderator):
    client.force_login(moderator)
    notify(moderator, 1)
    with CaptureQueriesContext(connection) as context:
        assert client.get("/sante/").status_code == 200
    queries = [query["sql"] for query in context.captured_queries]
    (user_query,) = [sql for sql in queries if '"directory_user"' in sql]
    for table in ("auth_group", "mfa_authenticator", "notifications_notification"):
        assert [sql for sql in queries if f'"{table}"' in sql] == [user_query], table


def test_redis_selects_the_session_store_that_reads_redis():
    def engine(**environment):
        script = (
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SESSION_ENGINE)"
        )
        env = {"DJANGO_SETTINGS_MODULE": "website.settings", "PATH": "/usr/bin:/bin"}
        env |= {"SECRET_KEY": "essai-" + "x" * 40, "DJANGO_DEBUG": "true"} | environment
        result = subprocess.run(  # noqa: S603 (fixed script, no shell)
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        return result.stdout.strip().splitlines()[-1]

    assert engine(CACHE_URL="redis://127.0.0.1:6379/1") == "website.session_store"
    assert engine() == "website.session_db"


# --- Sessions in Redis (a cluster's servers share it) ---------------------------------------

from tests.website.test_redis_cache import local_redis  # noqa: E402, F401 (a fixture)


def test_with_redis_a_page_reads_no_session_row_and_a_logout_ends_the_session_for_all(
    local_redis,  # noqa: F811
    settings,
    member,
):
    redis_client, prefix = local_redis
    settings.SESSION_ENGINE = "website.session_store"
    one, other = Client(), Client()
    one.force_login(member)
    cookie = one.cookies[settings.SESSION_COOKIE_NAME].value
    other.cookies[settings.SESSION_COOKIE_NAME] = cookie  # the same browser, another server
    with CaptureQueriesContext(connection) as context:
        assert one.get("/questions/").status_code == 200
    assert not [q for q in context.captured_queries if "django_session" in q["sql"]]
    (key,) = redis_client.keys(f"{prefix}:*sessions*{cookie}")
    assert 0 < redis_client.ttl(key) <= settings.SESSION_CACHE_SECONDS
    assert other.get(DASHBOARD).status_code == 403  # logged in (a visitor is sent to log in)

    one.post("/comptes/logout/")
    assert not redis_client.exists(key)
    assert other.get(DASHBOARD).status_code == 302  # that session is gone on every server


def test_templates_read_the_viewer_s_user_object_not_the_lazy_proxy(
    client, member, moderator, rendered_context
):
    """website.context_processors.viewer: the permission filters read the user object itself;
    each viewer gets their own, and a visitor the anonymous user."""
    from django.utils.functional import LazyObject

    visitor_user = client.get("/sante/").context
    assert visitor_user is None or not isinstance(visitor_user.get("user"), LazyObject)
    for account in (member, moderator):
        client.force_login(account)
        response = client.get("/questions/")
        user = response.context["user"]
        assert not isinstance(user, LazyObject)
        assert user.pk == account.pk
        assert ("/admin/" in response.content.decode()) == (account == moderator)
    client.logout()
    response = client.get("/comptes/login/")
    assert response.context["user"].is_anonymous
    assert not isinstance(response.context["user"], LazyObject)

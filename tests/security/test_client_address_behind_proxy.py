"""Per-IP login limits count each client behind the reverse proxy, not the proxy itself.

In production every request reaches gunicorn from the proxy, so `REMOTE_ADDR` is the proxy's
address for everybody. `ALLAUTH_TRUSTED_PROXY_COUNT` (environment) tells allauth how many
proxies append to `X-Forwarded-For`; the client is the entry that many places from the right.
A real server process reads the variable from its environment, with production's settings (a
smaller per-IP budget over a longer window, `proxy_server_settings.py`) and the production
database cache. The system check
`entraide.W001` warns when the site trusts a proxy's HTTPS header but no proxy's client address.
"""

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.core import checks
from django.core.cache import cache
from django.core.checks import Warning as CheckWarning
from django.db import connection

from tests.factories import TEST_PASSWORD
from tests.processes import free_port, stop, wait_until_up
from tests.reliability.drill_worker import database_url
from tests.security.test_rate_limits_across_processes import (
    CACHE_TABLE,
    server_environment,
)

ROOT = Path(__file__).resolve().parents[2]
PROXY = "127.0.0.1"  # REMOTE_ADDR of every request: the proxy
CLIENT_A, CLIENT_B = "203.0.113.1", "203.0.113.2"
# The server's failed-login budget per IP (proxy_server_settings.py; production: 10 a minute).
IP_BUDGET = 3
TOO_MANY = "Trop de tentatives de connexion"


def server_database(tmp_path) -> str:
    """The server's database: on SQLite a copy of the test's in-memory one (made after the
    member is created), on PostgreSQL the test database itself."""
    if connection.vendor != "sqlite":
        return database_url(connection)
    copy = tmp_path / "serveur.sqlite3"
    target = sqlite3.connect(copy)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{copy}"


def start_server(tmp_path, proxy_count: str):
    env = server_environment(tmp_path, server_database(tmp_path))
    env["ALLAUTH_TRUSTED_PROXY_COUNT"] = proxy_count
    env["DJANGO_SETTINGS_MODULE"] = "tests.security.proxy_server_settings"
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(  # noqa: S603 (fixed arguments)
        [*manage, "createcachetable"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    url = f"http://127.0.0.1:{free_port()}"
    process = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [*manage, "runserver", "--noreload", "--skip-checks", url.removeprefix("http://")],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return url, process


@pytest.fixture
def server_behind_proxy(tmp_path, request, make_user):
    """A server whose environment sets `ALLAUTH_TRUSTED_PROXY_COUNT` to the test's parameter,
    and the member who logs in through it (created first: on SQLite the server gets a copy)."""
    user = make_user(email="derriere.le.proxy@example.org")
    url, process = start_server(tmp_path, request.param)
    try:
        wait_until_up(url, process, time.monotonic() + 300)
        yield url, user
    finally:
        stop(process)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP TABLE IF EXISTS "{CACHE_TABLE}"')


def login(url: str, forwarded_for: str, email: str, password: str) -> requests.Response:
    """A login through the proxy: the proxy appends the address it saw to `X-Forwarded-For`."""
    session = requests.Session()
    session.headers["X-Forwarded-For"] = forwarded_for
    page = session.get(url + "/comptes/login/", timeout=20)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(
        url + "/comptes/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": token},
        timeout=20,
        allow_redirects=False,
    )


def lock_out_client_a(url: str) -> None:
    """Client A spends the per-IP budget on unknown addresses (the per-account one is untouched)."""
    for attempt in range(IP_BUDGET):
        response = login(url, CLIENT_A, f"inconnu{attempt}@example.org", "mauvais-mot-de-passe")
        assert response.status_code == 200, (attempt, response.status_code)
        assert TOO_MANY not in response.text
    locked = login(url, CLIENT_A, "inconnu-encore@example.org", "mauvais-mot-de-passe")
    assert locked.status_code == 429
    assert TOO_MANY in locked.text


pytestmark_servers = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytestmark_servers
@pytest.mark.parametrize("server_behind_proxy", ["1"], indirect=True)
def test_one_client_locked_out_does_not_lock_out_another_behind_the_same_proxy(
    server_behind_proxy,
):
    url, user = server_behind_proxy
    lock_out_client_a(url)

    # Client A cannot talk its way out by writing its own X-Forwarded-For entries: the proxy
    # appends the address it saw, and only that last entry is trusted.
    for spoofed in (
        f"198.51.100.7, {CLIENT_A}",
        f"{CLIENT_B}, {CLIENT_A}",
        f"10.0.0.1, {CLIENT_A}",
    ):
        response = login(url, spoofed, user.email, TEST_PASSWORD)
        assert response.status_code == 429, spoofed
        assert TOO_MANY in response.text

    # Client B, same proxy (same REMOTE_ADDR), logs in with the right password.
    response = login(url, CLIENT_B, user.email, TEST_PASSWORD)
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"] == "/"
    assert "sessionid" in response.cookies


def test_without_a_trusted_proxy_one_client_locks_out_everybody(client, member, settings):
    """The default (no proxy trusted) keys on REMOTE_ADDR: documents why production sets it."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": f"{IP_BUDGET}/m/ip,1000/5m/key"}
    cache.clear()
    for attempt in range(IP_BUDGET):
        client.post(
            "/comptes/login/",
            {"login": f"inconnu{attempt}@example.org", "password": "mauvais-mot-de-passe"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=CLIENT_A,
        )
    response = client.post(
        "/comptes/login/",
        {"login": member.email, "password": TEST_PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=CLIENT_B,
    )
    cache.clear()
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- The system check -----------------------------------------------------------------------


def proxy_warnings():
    return [
        m
        for m in checks.run_checks(tags=[checks.Tags.security], include_deployment_checks=True)
        if m.id == "entraide.W001"
    ]


def test_the_check_warns_when_the_https_header_is_trusted_but_no_proxy_is(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = None
    [warning] = proxy_warnings()
    assert isinstance(warning, CheckWarning)
    assert "ALLAUTH_TRUSTED_PROXY_COUNT" in warning.msg
    assert "ALLAUTH_TRUSTED_PROXY_COUNT" in warning.hint


@pytest.mark.parametrize(
    "overrides",
    [
        {"ALLAUTH_TRUSTED_PROXY_COUNT": 1},
        {"ALLAUTH_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"},
        {"SECURE_PROXY_SSL_HEADER": None},
    ],
)
def test_the_check_is_quiet_when_a_proxy_is_trusted_or_none_is_used(settings, overrides):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = None
    for name, value in overrides.items():
        setattr(settings, name, value)
    assert proxy_warnings() == []


def test_check_deploy_warns_when_the_production_environment_trusts_no_proxy(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    for name in ("ALLAUTH_TRUSTED_PROXY_COUNT", "SECURE_SSL_REDIRECT", "SECRET_KEY"):
        env.pop(name, None)
    env |= {
        "DJANGO_SETTINGS_MODULE": "website.settings",
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": "a-production-like-secret-key-that-is-long-enough-and-random-8f3k2m",
        "ALLOWED_HOSTS": "entraide.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert "(entraide.W001)" in output, output

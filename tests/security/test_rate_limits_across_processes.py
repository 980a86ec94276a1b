"""Login rate limits hold across two server processes sharing the database cache.

Two `manage.py runserver --noreload` processes on loopback ports serve the same database
(a copy of the test database on SQLite, the test database itself on PostgreSQL) with the
production cache setting (`dbcache://`). Failed logins alternate between them: the combined
count is limited, as it would not be with a per-process cache.
"""

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]
CACHE_TABLE = "entraide_cache_limites"
# Production's limit for failed logins on one account (settings.ACCOUNT_RATE_LIMITS).
KEY_LIMIT = 5
ATTEMPTS = 12
# An exhausted failed-login budget answers 429 with allauth's form error (French catalogue).
TOO_MANY = "Trop de tentatives de connexion"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(tmp_path) -> str:
    if connection.vendor == "sqlite":
        copy = tmp_path / "serveurs.sqlite3"
        target = sqlite3.connect(copy)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        return f"sqlite:///{copy}"
    params = connection.settings_dict
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{params['USER']}{password}@{host}:{port}/{params['NAME']}"


def server_environment(tmp_path, db_url) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "website.settings",
        # Plain HTTP on loopback: debug mode only turns off the HTTPS-only cookies.
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": db_url,
        "CACHE_URL": f"dbcache://{CACHE_TABLE}",
        "EMAIL_URL": "dummymail://",
        "SEARCH_INDEX_DIR": str(tmp_path / "recherche"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
    }


def wait_until_up(url, process, deadline):
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server stopped: {process.stderr.read()[-2000:]}")
        try:
            requests.get(url + "/sante/", timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.3)
    raise AssertionError("server did not start in time")


@pytest.fixture
def two_servers(tmp_path, make_user):
    user = make_user(email="cible.limites@example.org")
    env = server_environment(tmp_path, database_url(tmp_path))
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(  # noqa: S603 (fixed arguments)
        [*manage, "createcachetable"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    processes, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            processes.append(
                subprocess.Popen(  # noqa: S603 (fixed arguments)
                    [*manage, "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 120
        for url, process in zip(urls, processes, strict=True):
            wait_until_up(url, process, deadline)
        yield user, urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP TABLE IF EXISTS "{CACHE_TABLE}"')


def failed_login(session: requests.Session, url: str, email: str) -> str:
    """Whether a wrong password is `refused` (200), or `limited` (HTTP 429)."""
    # Behind the load balancer every process sees the site's one host name (allauth's
    # per-account key includes it).
    session.headers["Host"] = "127.0.0.1"
    page = session.get(url + "/comptes/login/", timeout=20)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        url + "/comptes/login/",
        data={"login": email, "password": "mauvais-mot-de-passe", "csrfmiddlewaretoken": token},
        timeout=20,
        allow_redirects=False,
    )
    if response.status_code == 429:
        # allauth's page with its message and the form (directory/allauth.py), not a bare 429.
        assert TOO_MANY in response.text and 'name="password"' in response.text
        return "limited"
    assert response.status_code == 200, response.status_code
    assert TOO_MANY not in response.text
    return "refused"


def test_failed_logins_are_limited_across_two_processes(two_servers):
    user, urls = two_servers
    sessions = [requests.Session() for _ in urls]
    statuses = [failed_login(sessions[i % 2], urls[i % 2], user.email) for i in range(ATTEMPTS)]
    # A per-process cache would let 2 × 5 attempts through; the shared one lets 5 in all.
    assert statuses == ["refused"] * KEY_LIMIT + ["limited"] * (ATTEMPTS - KEY_LIMIT), statuses
    # Both processes refused once the budget was spent, whichever had spent it.
    assert {statuses[KEY_LIMIT], statuses[KEY_LIMIT + 1]} == {"limited"}

"""A PostgreSQL connection the server dropped is replaced on the next request, no restart.

One gunicorn node (one sync worker, so one persistent connection) serves the test database
with the production settings: `CONN_MAX_AGE` (60 s by default) keeps its connection between
requests, and `CONN_HEALTH_CHECKS` tests it before the first query of a request. The test
finds the node's connection by its `application_name`, terminates it as a PostgreSQL restart
would (`pg_terminate_backend`), and the very next request is served. Without the health check
that request would fail (`/sante/` answers 503, other pages 500) and only the one after would
reconnect.
"""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.processes import free_port, stop, wait_until_up
from tests.reliability.drill_worker import database_url

# The node needs committed tables; the rows of the migrations are put back afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def gunicorn_node(tmp_path, application_name):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "website.settings",
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": "reconnect-test-only-not-secret",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{database_url(connection)}?application_name={application_name}",
        "CACHE_URL": "locmemcache://",
        "EMAIL_URL": "dummymail://",
        "SEARCH_INDEX_DIR": str(tmp_path / "recherche"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "ERROR",
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [sys.executable, "-m", "gunicorn", "website.wsgi:application"]
        + ["--workers", "1", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_up(url, process, time.monotonic() + 120)
        yield url
    finally:
        stop(process)


def node_connections(application_name) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [application_name]
        )
        return {pid for (pid,) in cursor.fetchall()}


def database_check(url) -> tuple[int, str]:
    response = requests.get(url + "/sante/", timeout=30)
    return response.status_code, response.json()["checks"]["database"]


def test_a_dropped_postgresql_connection_is_replaced_on_the_next_request(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (DATABASE_URL=postgres://…): SQLite has no connection")
    name = f"entraide-reconnexion-{uuid.uuid4().hex[:8]}"
    with gunicorn_node(tmp_path, name) as url:
        assert database_check(url) == (200, "ok")
        [dropped] = node_connections(name)
        assert database_check(url) == (200, "ok")
        assert node_connections(name) == {dropped}  # persistent: one connection for both

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [dropped])
            assert cursor.fetchone() == (True,)

        assert database_check(url) == (200, "ok")  # the very next request
        assert database_check(url) == (200, "ok")
        assert len(node_connections(name) - {dropped}) == 1  # a new connection, kept

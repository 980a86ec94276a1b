"""A web worker keeps its database connection between requests, on SQLite as on PostgreSQL.

On SQLite, opening a connection costs about 2.8 ms of CPU (Django registers its SQL functions,
the production PRAGMAs run): on every request, that was a quarter of a thread page's cost
(benchmarks/README.md). Read in a fresh process with the production settings, as gunicorn
runs them: what Django does at the end of each request (`close_old_connections`) must leave
the connection open until `CONN_MAX_AGE`.
"""

from tests.processes import printed_json

PROBE = """
import json, django
django.setup()
from django.db import close_old_connections, connection
connection.ensure_connection()
first = connection.connection
close_old_connections()  # what the end of a request runs (request_finished)
print(json.dumps({
    "kept": connection.connection is first,
    "max_age": connection.settings_dict["CONN_MAX_AGE"],
    "health_checks": connection.settings_dict["CONN_HEALTH_CHECKS"],
}))
"""


def _probe(tmp_path, **environment):
    return printed_json(
        ["-c", PROBE],
        {
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": "connections-test-only-not-secret-" + "x" * 20,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'entraide.sqlite3'}",
        }
        | environment,
        without={"DATABASE_URL", "CONN_MAX_AGE"},
    )


def test_a_sqlite_connection_outlives_the_request(tmp_path):
    assert _probe(tmp_path) == {"kept": True, "max_age": 60, "health_checks": False}


def test_the_environment_can_ask_for_a_connection_per_request(tmp_path):
    assert _probe(tmp_path, CONN_MAX_AGE="0")["kept"] is False

"""What operators watch (issue 15): request ids, JSON logs, metrics, scrubbed error reports."""

import gzip
import json
import logging
import os
import subprocess
import sys
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli
import pytest
from django.test import override_settings
from django_tasks import task

from tests.processes import free_port, serve_in_background
from website.notifications.models import DeliveryKind, DeliveryStatus, EmailDelivery
from website.observability import request_id

ROOT = Path(__file__).resolve().parents[2]
DB_TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "search", "email"],
    }
}


@task(queue_name="search")
def observed_task():
    logging.getLogger("tests.observability").warning("inside the task")


class _Lines(logging.Handler):
    """A handler with the settings' filter, as the console handler has it."""

    def __init__(self):
        super().__init__()
        self.addFilter(request_id.RequestIdFilter())
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def lines():
    handler = _Lines()
    logger = logging.getLogger("tests.observability")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)


def _log_in_view(request):
    logging.getLogger("tests.observability").warning("inside the view")
    from django.http import HttpResponse

    return HttpResponse("ok")


def _run(middleware_request):
    return request_id.RequestIdMiddleware(_log_in_view)(middleware_request)


# --- Request ids -----------------------------------------------------------------------------


def test_every_response_and_log_line_of_a_request_carries_one_new_id(rf, lines):
    first = _run(rf.get("/"))
    second = _run(rf.get("/"))
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert [r.request_id for r in lines.records] == [first["X-Request-ID"], second["X-Request-ID"]]
    logging.getLogger("tests.observability").warning("outside any request")
    assert lines.records[-1].request_id == "-"


def test_a_clients_request_id_is_ignored_unless_a_proxy_is_said_to_set_it(rf):
    chosen = "proxy-given-id-1234"
    assert _run(rf.get("/", HTTP_X_REQUEST_ID=chosen))["X-Request-ID"] != chosen
    with override_settings(REQUEST_ID_FROM_PROXY=True):
        assert _run(rf.get("/", HTTP_X_REQUEST_ID=chosen))["X-Request-ID"] == chosen
        forged = _run(rf.get("/", HTTP_X_REQUEST_ID="bad id\r\nX-Injected: 1"))
        assert forged["X-Request-ID"] != "bad id\r\nX-Injected: 1"
        assert len(forged["X-Request-ID"]) == 32


def test_the_site_answers_with_the_request_id_header(client, db):
    assert len(client.get("/sante/")["X-Request-ID"]) == 32


@pytest.mark.django_db(transaction=True)
def test_a_task_run_by_a_worker_logs_the_id_of_the_request_that_enqueued_it(rf, lines):
    """The database backend: the task runs later, in the worker (`db_worker`), not in the
    request; its log line still names the request."""
    from django.core.management import call_command

    def enqueue(request):
        observed_task.enqueue()
        from django.http import HttpResponse

        return HttpResponse("queued")

    with override_settings(TASKS=DB_TASKS):
        response = request_id.RequestIdMiddleware(enqueue)(rf.post("/"))
        assert request_id.current() == ""
        call_command("db_worker", batch=True, queue_name="search", interval=0)
    task_lines = [r for r in lines.records if r.getMessage() == "inside the task"]
    assert [r.request_id for r in task_lines] == [response["X-Request-ID"]]
    assert request_id.current() == ""


def test_json_logs_are_one_object_per_line_with_the_request_id(tmp_path):
    env = dict(os.environ, LOG_FORMAT="json", DJANGO_SETTINGS_MODULE="website.settings")
    env["DJANGO_DEBUG"] = "true"
    code = (
        "import django, logging; django.setup();"
        "from django.test import RequestFactory;"
        "from website.observability.request_id import RequestIdMiddleware;"
        "from django.http import HttpResponse;"
        "view = lambda r: (logging.getLogger('entraide.test').warning('un événement'), "
        "HttpResponse())[1];"
        "print('ID', RequestIdMiddleware(view)(RequestFactory().get('/'))['X-Request-ID'])"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    given = result.stdout.split("ID ", 1)[1].strip()
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "un événement"
    assert line["level"] == "WARNING"
    assert line["logger"] == "entraide.test"
    assert line["request_id"] == given


# --- Metrics ---------------------------------------------------------------------------------


@override_settings(METRICS_TOKEN="jeton-de-test-des-metriques")
def test_metrics_are_hidden_without_the_token_or_the_network(client, db, member):
    assert client.get("/metriques/").status_code == 404
    wrong = {"Authorization": "Bearer pas-le-bon"}
    assert client.get("/metriques/", headers=wrong).status_code == 404
    client.force_login(member)
    assert client.get("/metriques/").status_code == 404
    with override_settings(METRICS_TOKEN=""):
        empty = {"Authorization": "Bearer "}
        assert client.get("/metriques/", headers=empty).status_code == 404
    assert client.post("/metriques/").status_code in {403, 404, 405}


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_NETWORKS=["127.0.0.0/8"])
def test_metrics_answer_a_scraper_on_an_allowed_network(client, db):
    assert client.get("/metriques/", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metriques/", REMOTE_ADDR="192.0.2.10").status_code == 404


@override_settings(METRICS_TOKEN="jeton-de-test-des-metriques", TASKS=DB_TASKS)
def test_metrics_count_requests_by_view_and_read_queues_emails_and_index_lag(client, member):
    bearer = {"Authorization": "Bearer jeton-de-test-des-metriques"}
    client.get("/sante/")
    client.get("/sante/")
    observed_task.enqueue()
    for status in (DeliveryStatus.PENDING, DeliveryStatus.PENDING, DeliveryStatus.FAILED):
        EmailDelivery.objects.create(
            idempotency_key=f"test-{status}-{EmailDelivery.objects.count()}",
            recipient=member,
            kind=DeliveryKind.IMMEDIATE,
            subject="Objet",
            body_text="Texte",
            body_html="<p>Texte</p>",
            unsubscribe_url="/",
            message_id="<x@example.org>",
            status=status,
        )
    response = client.get("/metriques/", headers=bearer)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    health = [
        line
        for line in text.splitlines()
        if line.startswith("entraide_http_requests_total{")
        and 'view="health"' in line
        and 'status="200"' in line
    ]
    assert health and float(health[0].rsplit(" ", 1)[1]) >= 2
    assert 'entraide_http_request_duration_seconds_bucket{le="0.01",view="health"}' in text
    assert 'entraide_task_queue_depth{queue="search"} 1.0' in text
    assert 'entraide_task_queue_depth{queue="email"} 0.0' in text
    assert "entraide_search_index_lag_seconds " in text
    lag = next(line for line in text.splitlines() if line.startswith("entraide_search_index_lag"))
    assert float(lag.rsplit(" ", 1)[1]) >= 0
    assert "entraide_emails_pending 2.0" in text
    assert "entraide_emails_failed 1.0" in text
    # Paths hold ids: never a label; nor an invented method.
    assert "/sante/" not in text
    client.generic("BREW", "/sante/")
    text = client.get("/metriques/", headers=bearer).content.decode()
    assert "BREW" not in text
    assert 'entraide_http_requests_total{method="other",' in text


# --- Error reports ---------------------------------------------------------------------------


class _Envelopes(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":  # sentry-sdk's choice when `brotli` is installed
            body = brotli.decompress(body)
        type(self).received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


SCRIPT = """
import sys, types, django
django.setup()
import sentry_sdk
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path

def boom(request):
    raise RuntimeError("échec pour agent.fictif@mairie-exemple.fr")

urls = types.ModuleType("boom_urls")
urls.urlpatterns = [path("boom/", boom), path("", include("website.urls"))]
sys.modules["boom_urls"] = urls
# No database tables in this throwaway process: sessions in (unsigned, hence empty) cookies.
with override_settings(
    ROOT_URLCONF="boom_urls",
    ALLOWED_HOSTS=["testserver"],
    SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
):
    response = Client(raise_request_exception=False).post(
        "/boom/?jeton=secret-du-flux",
        {"password": "mot-de-passe-secret", "body": "texte du message"},
        HTTP_COOKIE="sessionid=cookie-de-session-secret",
        HTTP_AUTHORIZATION="Bearer jeton-api-secret",
    )
    print("STATUS", response.status_code, response["X-Request-ID"])
sentry_sdk.flush(10)
"""


def test_an_error_is_reported_to_the_sentry_server_without_personal_data(tmp_path):
    _Envelopes.received = []
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _Envelopes)
    serve_in_background(server)
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="website.settings",
        DJANGO_DEBUG="true",
        SENTRY_DSN=f"http://clepublique@127.0.0.1:{port}/1",
        SENTRY_ENVIRONMENT="essai",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CACHE_URL="locmemcache://",
    )
    try:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-3000:]
    status, given_id = result.stdout.split("STATUS ", 1)[1].split()
    assert status == "500"
    everything = b"\n".join(_Envelopes.received).decode()
    events = [
        json.loads(line)
        for line in everything.splitlines()
        if line.startswith("{") and '"exception"' in line
    ]
    raised = [e for e in events if e["exception"]["values"][-1]["type"] == "RuntimeError"]
    assert raised, everything[:3000]
    event = raised[0]
    assert event["environment"] == "essai"
    assert event["tags"]["request_id"] == given_id
    for secret in (
        "agent.fictif@mairie-exemple.fr",
        "secret-du-flux",
        "mot-de-passe-secret",
        "texte du message",
        "cookie-de-session-secret",
        "jeton-api-secret",
    ):
        assert secret not in everything
    assert event["exception"]["values"][-1]["value"] == "échec pour [retiré]"

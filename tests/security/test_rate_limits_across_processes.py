"""Limits hold across two server processes sharing the production database cache.

Two `manage.py runserver --noreload` processes on loopback ports (started once for the tests
that use production's settings and database cache, `servers`) serve the same database (on
SQLite a file in WAL mode, which the test reads too; on PostgreSQL the test database) with the
production cache setting (`dbcache://`) and production's settings but the password hash
(`tests/server_settings.py`). Requests alternate between them, or are sent to both at
the same instant: the combined count is limited, as it would not be with a per-process cache or
with a counter that reads then writes.

- failed logins: the per-account limit (5 in 5 minutes) and, separately, the per-IP one
  (10 a minute, on as many accounts);
- the new-member posting limit (`directory/budget.py`), one by one and in a burst;
- the double-submit token: one form sent several times at once creates one comment;
- the new-member agenda quota (`directory/budget.py`), in a burst.

The per-account failed-login limit is also checked with the two processes sharing a Redis
(`CACHE_URL=redis://…`, a `redis-server` of the test's own); Redis down is tested in
`tests/website/test_redis_cache.py`.
"""

import contextlib
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from tests import factories
from tests.concurrency import file_database, in_thread
from tests.processes import free_port, stop, wait_until_up
from tests.reliability.drill_worker import database_url
from tests.website.test_redis_cache import OwnRedis

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]
CACHE_TABLE = "entraide_cache_limites"
# Production's limits for failed logins (settings.ACCOUNT_RATE_LIMITS): per account, per IP.
KEY_LIMIT = 5
IP_LIMIT = 10
ATTEMPTS = 12
# An exhausted failed-login budget answers 429 with allauth's form error (French catalogue).
TOO_MANY = "Trop de tentatives de connexion"
# The site's own 429 page (templates/429.html).
TOO_MANY_REQUESTS = "Trop de requêtes"
BURST = 8


def server_environment(
    tmp_path, db_url, cache_url=f"dbcache://{CACHE_TABLE}", settings_module="tests.server_settings"
) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": settings_module,
        # Plain HTTP on loopback: debug mode only turns off the HTTPS-only cookies.
        "DJANGO_DEBUG": "true",
        # The sessions the test opens are signed with the test settings' key.
        "SECRET_KEY": django_settings.SECRET_KEY,
        "DATABASE_URL": db_url,
        "CACHE_URL": cache_url,
        "EMAIL_URL": "dummymail://",
        "SEARCH_INDEX_DIR": str(tmp_path / "recherche"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
    }


@contextlib.contextmanager
def running_servers(
    tmp_path, count=2, cache_url=f"dbcache://{CACHE_TABLE}", settings_module="tests.server_settings"
):
    """`count` server processes on the database the test connection now points at."""
    env = server_environment(tmp_path, database_url(connection), cache_url, settings_module)
    manage = [sys.executable, str(ROOT / "manage.py")]
    if cache_url.startswith("dbcache://"):
        # The servers' `createcachetable`, run here on a connection of its own (the file
        # database on SQLite): the same table, without starting Django in one more process.
        in_thread(lambda: call_command("createcachetable", CACHE_TABLE, verbosity=0))
    processes, urls = [], []
    try:
        for _ in range(count):
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
        yield urls
    finally:
        stop(*processes)
        if connection.vendor == "postgresql":
            in_thread(_drop_cache_table)


def _drop_cache_table():
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{CACHE_TABLE}"')


@pytest.fixture
def shared_database():
    """The test, its setup threads and the servers all use one database that can wait."""
    with file_database():
        yield


@contextlib.contextmanager
def _database_named(name):
    """New connections (the test's threads) open the database `name` inside."""
    settings_dict = connections.settings["default"]
    saved = settings_dict["NAME"]
    settings_dict["NAME"] = name
    try:
        yield
    finally:
        settings_dict["NAME"] = saved


def _empty_cache_table():
    """The servers' cache table, empty; created again if missing (on PostgreSQL the servers
    of another test drop it when they stop)."""
    call_command("createcachetable", CACHE_TABLE, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{CACHE_TABLE}"')  # noqa: S608 (the constant above)


@pytest.fixture(scope="module")
def module_servers(django_db_blocker, tmp_path_factory):
    """Two servers with production's settings and database cache, shared by the module's
    tests that need no other setting (starting one costs about 2.4 s of CPU). Started by the
    first test that asks (`servers`), once its database is in place."""
    started = {"folder": tmp_path_factory.mktemp("serveurs"), "stack": contextlib.ExitStack()}
    yield started
    with django_db_blocker.unblock():
        started["stack"].close()


@pytest.fixture
def servers(module_servers):
    """The module's two servers and their database, on which the test's threads run: on
    SQLite a file copied from the test database by the first test (each test's data then stays
    until the module ends: each test counts its own new member's or account's
    actions), on PostgreSQL the test database. The
    cache, where the limits count, is emptied before each test."""
    if "urls" not in module_servers:
        folder, name = module_servers["folder"], connection.settings_dict["NAME"]
        if connection.vendor == "sqlite":
            name = str(folder / "serveurs.sqlite3")
            connection.ensure_connection()
            target = sqlite3.connect(name)
            connection.connection.backup(target)
            target.close()
        module_servers["name"] = name
        with _database_named(name):
            servers = running_servers(folder)
            module_servers["urls"] = module_servers["stack"].enter_context(servers)
    with _database_named(module_servers["name"]):
        in_thread(_empty_cache_table)
        yield module_servers["urls"]


# --- Failed logins -----------------------------------------------------------------------


def login_form(session: requests.Session, url: str) -> str:
    """Load the login page; its CSRF token."""
    # Behind the load balancer every process sees the site's one host name (allauth's
    # per-account key includes it).
    session.headers["Host"] = "127.0.0.1"
    page = session.get(url + "/comptes/login/", timeout=20)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def failed_login(session: requests.Session, url: str, email: str, token=None) -> str:
    """Whether a wrong password is `refused` (200), or `limited` (HTTP 429)."""
    token = token or login_form(session, url)
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
    assert 'name="password"' in response.text  # the form again, with its error
    return "refused"


def test_failed_logins_on_one_account_are_limited_across_two_processes(servers):
    user = in_thread(lambda: factories.UserFactory(email="cible.limites@example.org"))
    sessions = [requests.Session() for _ in servers]
    statuses = [failed_login(sessions[i % 2], servers[i % 2], user.email) for i in range(ATTEMPTS)]
    # A per-process cache would let 2 × 5 attempts through; the shared one lets 5 in all,
    # well under the per-IP limit (10): this is the per-account limit.
    assert statuses == ["refused"] * KEY_LIMIT + ["limited"] * (ATTEMPTS - KEY_LIMIT), statuses
    # Both processes refused once the budget was spent, whichever had spent it.
    assert {statuses[KEY_LIMIT], statuses[KEY_LIMIT + 1]} == {"limited"}


def test_failed_logins_on_one_account_are_limited_across_two_processes_sharing_redis(
    shared_database, tmp_path
):
    if OwnRedis.missing():
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    user = in_thread(lambda: factories.UserFactory(email="cible.redis@example.org"))
    server = OwnRedis()
    server.start()
    try:
        with running_servers(tmp_path, cache_url=server.url) as urls:
            sessions = [requests.Session() for _ in urls]
            statuses = [
                failed_login(sessions[i % 2], urls[i % 2], user.email) for i in range(ATTEMPTS)
            ]
    finally:
        server.stop()
    assert statuses == ["refused"] * KEY_LIMIT + ["limited"] * (ATTEMPTS - KEY_LIMIT), statuses


def test_failed_logins_from_one_address_on_many_accounts_are_limited_across_two_processes(
    shared_database, tmp_path
):
    # One wrong password on each of 12 accounts: no account reaches its own limit (5).
    emails = [f"compte{n}.limites@example.org" for n in range(ATTEMPTS)]
    # Counted over an hour instead of a minute, so that the time this takes cannot matter.
    with running_servers(tmp_path, settings_module="tests.hour_window_settings") as urls:
        sessions = [requests.Session() for _ in urls]
        tokens = [login_form(sessions[i % 2], urls[i % 2]) for i in range(ATTEMPTS)]
        statuses = [
            failed_login(sessions[i % 2], urls[i % 2], email, tokens[i])
            for i, email in enumerate(emails)
        ]
    # A per-process cache would let 2 × 10 through; the shared one 10 from this address.
    assert statuses == ["refused"] * IP_LIMIT + ["limited"] * (ATTEMPTS - IP_LIMIT), statuses
    assert {statuses[IP_LIMIT], statuses[IP_LIMIT + 1]} == {"limited"}


# --- Posting limits, double-submit tokens, agenda quota ----------------------------------


class Member:
    """A logged-in member's browser, pointed at any of the servers (one session cookie)."""

    def __init__(self, user):
        client = Client()
        in_thread(client.force_login, user)
        self.cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        self.user = user

    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers["Host"] = "127.0.0.1"
        session.cookies.set(django_settings.SESSION_COOKIE_NAME, self.cookie)
        return session

    def form(self, url: str, path: str) -> tuple[requests.Session, str]:
        """A session that has loaded `path`, and the form's CSRF token."""
        session = self.session()
        page = session.get(url + path, timeout=30)
        assert page.status_code == 200, (path, page.status_code)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return session, token

    def post(self, url: str, form_path: str, path: str, data: dict) -> requests.Response:
        session, token = self.form(url, form_path)
        return session.post(
            url + path,
            data=data | {"csrfmiddlewaretoken": token},
            timeout=60,
            allow_redirects=False,
        )


def at_once(calls):
    """Run every call in its own thread, all released at the same instant; their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors = []

    def run(index, call):
        try:
            barrier.wait(timeout=120)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == [], errors
    return results


def _thread_setup():
    asker = factories.UserFactory()
    topic = factories.TopicFactory(name="Cantine scolaire")
    from qa.services import question_create

    question = question_create(
        author=asker,
        title="Comment organiser la cantine pendant les travaux ?",
        body="La cuisine ferme trois mois, que font les autres communes ?",
        topics=[topic],
    )
    newcomer = factories.UserFactory()  # approved just now: a new member
    return question, newcomer


def _comments_by(user, question):
    return sorted(question.comments.filter(author=user).values_list("body", flat=True))


def test_the_new_member_posting_limit_holds_across_two_processes_one_by_one_and_at_once(servers):
    limit = django_settings.QA_NEW_MEMBER_POSTS_PER_HOUR
    question, newcomer = in_thread(_thread_setup)
    member = Member(newcomer)
    thread_path = question.get_absolute_url()
    comment_path = f"/questions/{question.pk}/commenter/"

    def comment(url, number):
        return member.post(
            url,
            thread_path,
            comment_path,
            {"body": f"Commentaire numéro {number}", "submission_token": f"jeton-{number}"},
        )

    # One by one, alternating servers, up to three short of the limit.
    one_by_one = [comment(servers[n % 2], n).status_code for n in range(limit - 3)]
    # Then eight at once, four on each server: three fit.
    burst = at_once(
        [lambda n=n: comment(servers[n % 2], n) for n in range(limit - 3, limit - 3 + BURST)]
    )
    # The budget is spent on both servers.
    late = [comment(url, 100 + n) for n, url in enumerate(servers)]

    assert one_by_one == [302] * (limit - 3)
    statuses = sorted(response.status_code for response in burst)
    assert statuses == [302] * 3 + [429] * (BURST - 3), statuses
    for response in [*burst, *late]:
        if response.status_code == 429:
            assert TOO_MANY_REQUESTS in response.text
    assert [response.status_code for response in late] == [429, 429]
    created = in_thread(_comments_by, newcomer, question)
    assert len(created) == limit, created
    assert "Commentaire numéro 100" not in created


def test_one_form_sent_many_times_at_once_to_two_processes_creates_one_comment(servers):
    question, newcomer = in_thread(_thread_setup)
    member = Member(newcomer)
    thread_path = question.get_absolute_url()
    comment_path = f"/questions/{question.pk}/commenter/"
    data = {"body": "Nous livrons des repas froids.", "submission_token": "un-seul-jeton"}

    burst = at_once(
        [
            lambda n=n: member.post(servers[n % 2], thread_path, comment_path, data)
            for n in range(BURST)
        ]
    )
    # Sent again later: the same comment, found through the token.
    again = member.post(servers[1], thread_path, comment_path, data)

    assert [response.status_code for response in burst] == [302] * BURST
    locations = [response.headers["Location"] for response in burst]
    assert in_thread(_comments_by, newcomer, question) == ["Nous livrons des repas froids."], (
        locations
    )
    comment = in_thread(lambda: question.comments.get(author=newcomer))
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"#commentaire-{comment.pk}")


def _agenda_setup():
    newcomer = factories.UserFactory()
    topic = factories.TopicFactory(name="Intercommunalité")
    return newcomer, topic


def _proposals_by(user):
    from qa.agenda.models import Proposal

    return sorted(Proposal.objects.filter(author=user).values_list("title", flat=True))


def test_the_new_member_agenda_quota_holds_for_proposals_sent_at_once_to_two_processes(servers):
    newcomer, topic = in_thread(_agenda_setup)
    member = Member(newcomer)
    form_path = "/ordre-du-jour/proposer/"

    def propose(url, number):
        return member.post(
            url,
            form_path,
            form_path,
            {
                "title": f"Mutualiser le service numéro {number}",
                "rationale": "Nos communes n'ont pas les moyens seules.",
                "topics": [topic.pk],
            },
        )

    burst = at_once([lambda n=n: propose(servers[n % 2], n) for n in range(BURST)])
    late = [propose(url, 100 + n) for n, url in enumerate(servers)]

    statuses = sorted(response.status_code for response in burst)
    quota = django_settings.AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY
    assert statuses == [302] * quota + [429] * (BURST - quota), statuses
    assert [response.status_code for response in late] == [429, 429]
    assert all(TOO_MANY_REQUESTS in response.text for response in late)
    assert len(in_thread(_proposals_by, newcomer)) == quota

"""The Redis cache for several servers, and what the site does while Redis is down.

`CACHE_URL=redis://…` selects `website.redis_cache.RedisCache` (Django's, degrading). Two
kinds of real Redis:

- the machine's own Redis on 127.0.0.1:6379 (`TEST_REDIS_URL` to use another), for the limits
  counted in Redis; the tests skip, saying so, when none answers;
- a `redis-server` this file starts on a free port and stops mid-test, for the failure
  behaviour (website/cache.py): pages serve, posting and password resets go uncounted with a
  log line (fail open), login and sign-up answer 503 (fail closed), and everything counts
  again once Redis is back.
"""

import os
import shutil
import subprocess
import time
import uuid

import pytest
import redis
from django.core.cache import cache

from directory.budget import POSTS
from directory.models import User
from tests.factories import TEST_PASSWORD
from tests.processes import free_port
from tests.security.production import default_cache_as_built
from website import settings as production

pytestmark = pytest.mark.django_db

LOCAL_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REDIS_SERVER = shutil.which("redis-server")
LOGIN = "/comptes/login/"
UNAVAILABLE = "Service momentanément indisponible"
TOO_MANY_LOGINS = "Trop de tentatives de connexion échouées"


def redis_cache_settings(url: str, prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "website.redis_cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }


def test_the_redis_client_is_installed_and_cache_url_selects_the_degrading_cache():
    params = default_cache_as_built(
        DJANGO_DEBUG="true", CACHE_URL="redis://127.0.0.1:6379/1?socket_timeout=2"
    )
    assert params["BACKEND"] == "website.redis_cache.RedisCache"
    assert params["LOCATION"] == "redis://127.0.0.1:6379/1"
    assert params["OPTIONS"] == {"socket_timeout": 2}
    assert redis.__version__  # the client is a locked dependency (requirements.lock)


# --- The machine's Redis: the limits count in it -------------------------------------------


@pytest.fixture
def local_redis(settings):
    client = redis.Redis.from_url(LOCAL_REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis answers at {LOCAL_REDIS_URL} (set TEST_REDIS_URL to one)")
    prefix = f"essai-{uuid.uuid4().hex}"
    settings.CACHES = redis_cache_settings(LOCAL_REDIS_URL, prefix)
    yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_a_new_members_posting_budget_is_counted_in_redis(local_redis, member, settings):
    client, prefix = local_redis
    settings.QA_NEW_MEMBER_POSTS_PER_HOUR = 3
    slots = [POSTS.take(member) for _ in range(4)]
    assert [slot is not None for slot in slots] == [True, True, True, False]
    # The pages' write generation (website/http_cache.py) is there too: taking a slot writes.
    stored = sorted(
        key.decode() for key in client.scan_iter(f"{prefix}:*") if b":http:generation" not in key
    )
    assert stored == sorted(f"{prefix}:1:{slot.key}" for slot in slots[:3])
    slots[0].give_back()
    assert POSTS.take(member) is not None  # the slot given back is free again


def test_failed_logins_are_limited_through_redis(local_redis, client, member, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "1000/m/ip,3/5m/key"}
    statuses = [
        client.post(LOGIN, {"login": member.email, "password": "pas-le-bon"}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    _client, prefix = local_redis
    assert any(b"login_failed" in key for key in _client.scan_iter(f"{prefix}:*"))


# --- A Redis of our own, stopped mid-test ---------------------------------------------------


class OwnRedis:
    """A `redis-server` on a free loopback port, keeping nothing on disk."""

    @staticmethod
    def missing() -> bool:
        return REDIS_SERVER is None

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise AssertionError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(settings):
    if OwnRedis.missing():
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    server = OwnRedis()
    server.start()
    settings.CACHES = redis_cache_settings(server.url, "essai")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def production_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = production.ACCOUNT_RATE_LIMITS


def test_a_cache_operation_answers_at_once_while_redis_is_down(own_redis):
    cache.set("cle", "valeur")
    assert cache.get("cle") == "valeur"
    own_redis.stop()
    started = time.monotonic()
    assert cache.get("cle", "absente") == "absente"
    assert cache.get_many(["cle"]) == {}
    assert cache.add("autre", 1) is True  # an empty cache that keeps nothing
    assert time.monotonic() - started < 1


def test_pages_and_posting_still_work_while_redis_is_down_with_a_log_line(
    own_redis, client, make_user, make_topic, caplog, settings
):
    settings.QA_NEW_MEMBER_POSTS_PER_HOUR = 1
    newcomer = make_user()  # approved just now: a posting budget
    topic = make_topic()
    client.force_login(newcomer)
    own_redis.stop()
    assert client.get("/questions/").status_code == 200
    assert client.get("/recherche/", {"q": "déneigement"}).status_code == 200
    caplog.clear()
    response = client.post(
        "/questions/poser/",
        {
            "kind": "question",
            "title": "Comment organisez-vous le déneigement ?",
            "body": "Nous cherchons des idées pour les routes communales.",
            "topics": [topic.pk],
            "submission_token": "jeton-redis",
            "publish": "1",
        },
    )
    assert response.status_code == 302  # the budget fails open: the question is published
    assert newcomer.questions.get().title == "Comment organisez-vous le déneigement ?"
    warnings = [r.getMessage() for r in caplog.records if r.name == "website.cache"]
    assert any("Cache unreachable" in line and "qa:posts" in line for line in warnings)
    assert any("qa:submitted" in line for line in warnings)  # the double-submit token too


def test_the_password_reset_fails_open_while_redis_is_down(
    own_redis, client, member, production_limits, caplog, mailoutbox
):
    own_redis.stop()
    response = client.post("/comptes/password/reset/", {"email": member.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert any("reset_password" in r.getMessage() for r in caplog.records)


def test_login_fails_closed_while_redis_is_down(
    own_redis, client, member, production_limits, caplog
):
    own_redis.stop()
    assert client.get(LOGIN).status_code == 200  # the page serves
    response = client.post(LOGIN, {"login": member.email, "password": TEST_PASSWORD})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert UNAVAILABLE in html and "Réessayez dans quelques minutes" in html
    assert "_auth_user_id" not in client.session  # even the right password does not log in
    errors = [r for r in caplog.records if r.name == "website.cache" and r.levelname == "ERROR"]
    assert [r.getMessage() for r in errors] == [
        "Cache unreachable: POST /comptes/login/ refused with 503 (its rate limit fails closed)"
    ]


def test_sign_up_fails_closed_while_redis_is_down(own_redis, client, production_limits):
    own_redis.stop()
    assert client.get("/comptes/signup/").status_code == 200
    response = client.post(
        "/comptes/signup/",
        {
            "email": "nouvel.agent@example.org",
            "password1": "un-mot-de-passe-solide-2026",
            "password2": "un-mot-de-passe-solide-2026",
            "first_name": "Claude",
            "last_name": "Essai",
            "signup_structure": "Commune d'Essai",
            "signup_function": "Secrétaire de mairie",
        },
    )
    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()
    assert not User.objects.filter(email="nouvel.agent@example.org").exists()


def test_password_change_fails_closed_while_redis_is_down(
    own_redis, client, member, production_limits
):
    """It checks the current password: a stolen session must not guess it without a limit."""
    client.force_login(member)
    own_redis.stop()
    response = client.post(
        "/comptes/password/change/",
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "un-autre-mot-de-passe-2026",
            "password2": "un-autre-mot-de-passe-2026",
        },
    )
    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(TEST_PASSWORD)


def test_login_and_its_limit_work_again_once_redis_is_back(own_redis, client, member, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "1000/m/ip,2/5m/key"}
    own_redis.stop()
    assert client.post(LOGIN, {"login": member.email, "password": "x"}).status_code == 503
    own_redis.start()  # the same port: the connection pool reconnects by itself
    statuses = [
        client.post(LOGIN, {"login": member.email, "password": "pas-le-bon"}).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert (
        TOO_MANY_LOGINS
        in client.post(LOGIN, {"login": member.email, "password": "x"}).content.decode()
    )

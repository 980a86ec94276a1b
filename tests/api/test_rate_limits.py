"""Requests per token (`website/api/ratelimit.py`): counted in the shared cache, so one limit
for every process; what happens while the cache (Redis) is down.

The cross-process test starts two `manage.py runserver` processes and a `redis-server` of its
own on free loopback ports, as `tests/security/test_rate_limits_across_processes.py` does.
"""

import logging

import pytest
import requests

from tests import factories
from tests.concurrency import in_thread
from tests.security.test_rate_limits_across_processes import running_servers, shared_database
from tests.website.test_redis_cache import OwnRedis, own_redis
from website.api import services

__all__ = ["own_redis", "shared_database"]  # fixtures used by the tests below


@pytest.mark.django_db
def test_a_token_gets_429_once_its_window_is_spent_and_another_token_does_not(
    api, make_user, make_token, settings
):
    settings.API_RATE_LIMIT_REQUESTS = 3
    user = make_user()
    busy, other = api(make_token(user).secret), api(make_token(user).secret)

    answers = [busy.get("/topics") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert answers[0]["RateLimit-Limit"] == "3"
    refused = answers[3]
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= settings.API_RATE_LIMIT_WINDOW_SECONDS
    assert "réessayez dans" in refused.json()["detail"]
    # Writes count in the same window, and refused ones write nothing.
    assert busy.put("/topics/commande-publique/follow", {"following": True}).status_code == 429
    assert other.get("/topics").status_code == 200
    # Visitors are not counted per token (they have none).
    settings.PUBLIC_READ = True
    assert all(api().get("/topics").status_code == 200 for _ in range(5))


@pytest.mark.django_db
def test_requests_without_a_token_are_limited_per_client_address(
    api, make_user, make_token, settings
):
    settings.PUBLIC_READ = True
    settings.API_ANONYMOUS_RATE_LIMIT_REQUESTS = 3
    settings.API_RATE_LIMIT_REQUESTS = 100
    visitor = api(REMOTE_ADDR="203.0.113.7")

    # An address a client writes itself (X-Forwarded-For) is not believed without a proxy.
    answers = [visitor.get("/topics", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}") for n in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert answers[0]["RateLimit-Limit"] == "3"
    refused = answers[3]
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited" and refused.json()["status"] == 429
    assert 1 <= int(refused["Retry-After"]) <= settings.API_RATE_LIMIT_WINDOW_SECONDS
    assert refused.json()["detail"].startswith("Votre adresse a fait plus de 3 requêtes sans jeton")
    english = visitor.get("/topics", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 429
    assert english.json()["detail"].startswith(
        "Your address made more than 3 requests without a token"
    )
    # Another address, and a token from the same address, are counted apart.
    assert api(REMOTE_ADDR="203.0.113.8").get("/topics").status_code == 200
    token = make_token(make_user(), scopes=["read"]).secret
    assert api(token, REMOTE_ADDR="203.0.113.7").get("/topics").status_code == 200


@pytest.mark.django_db
def test_an_ipv6_client_is_counted_with_its_slash_64_and_a_trusted_proxy_is_read(api, settings):
    settings.PUBLIC_READ = True
    settings.API_ANONYMOUS_RATE_LIMIT_REQUESTS = 2
    assert api(REMOTE_ADDR="2001:db8:1:2::a").get("/topics").status_code == 200
    assert api(REMOTE_ADDR="2001:db8:1:2::b").get("/topics").status_code == 200
    assert api(REMOTE_ADDR="2001:db8:1:2:ffff::c").get("/topics").status_code == 429
    assert api(REMOTE_ADDR="2001:db8:1:3::a").get("/topics").status_code == 200
    # Behind one trusted proxy, the client is the last X-Forwarded-For entry.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = api(REMOTE_ADDR="10.0.0.2")
    for _ in range(2):
        assert proxy.get("/topics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 200
    assert proxy.get("/topics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    assert proxy.get("/topics", HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 200


@pytest.mark.django_db
def test_while_redis_is_down_reads_are_served_with_a_log_line_and_writes_get_503(
    own_redis, api, make_user, make_token, make_question, caplog
):
    question = make_question()
    client = api(make_token(make_user()).secret)
    assert client.get("/topics").status_code == 200
    own_redis.stop()
    caplog.set_level(logging.WARNING)

    read = client.get(f"/questions/{question.pk}")
    write = client.post(f"/questions/{question.pk}/answers", {"body": "Voyez la convention."})

    assert read.status_code == 200
    assert "RateLimit-Limit" not in read
    lines = [record.getMessage() for record in caplog.records]
    assert any("API read" in line and "without its rate limit" in line for line in lines)
    assert write.status_code == 503
    assert write.json()["code"] == "rate_limit_unavailable"
    assert write["Retry-After"] == "30"
    assert question.answers.count() == 0


def _token_for_new_member():
    return services.token_create(
        user=factories.UserFactory(), name="Intranet", scopes=["read"], days=30
    ).secret


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_limit_is_one_for_two_processes_sharing_redis(shared_database, tmp_path, monkeypatch):
    if OwnRedis.missing():
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    limit = 6
    monkeypatch.setenv("API_RATE_LIMIT_REQUESTS", str(limit))
    # One long window, so that the time the test takes cannot split the count.
    monkeypatch.setenv("API_RATE_LIMIT_WINDOW_SECONDS", "3600")
    secret = in_thread(_token_for_new_member)
    headers = {"Authorization": f"Bearer {secret}", "Host": "127.0.0.1"}
    redis_server = OwnRedis()
    redis_server.start()
    try:
        with running_servers(tmp_path, cache_url=redis_server.url) as urls:
            statuses = [
                requests.get(urls[n % 2] + "/api/v1/topics", headers=headers, timeout=30)
                for n in range(limit + 4)
            ]
    finally:
        redis_server.stop()
    codes = [response.status_code for response in statuses]
    # A per-process count would let 2 × 6 through; the shared one lets 6 in all.
    assert codes == [200] * limit + [429] * 4, codes
    # Both processes refuse once the budget is spent, whichever spent it.
    assert {codes[limit], codes[limit + 1]} == {429}
    assert statuses[limit - 1].headers["RateLimit-Remaining"] == "0"

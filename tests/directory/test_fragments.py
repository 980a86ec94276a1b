"""Shared HTML fragments (directory/fragments.py): stored under the page's version, rendered
again after any write, never holding what belongs to one viewer, never an error when the
cache fails."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.urls import resolve
from django.utils import translation

from directory.fragments import read_ahead, shared_fragment, shared_fragments
from taxonomy.models import Topic
from website import http_cache


class Renderer:
    def __init__(self):
        self.calls = []

    def __call__(self, key=""):
        self.calls.append(key)
        return f"<p>{key}</p>"


def page_request(version="v1"):
    request = RequestFactory().get("/")
    if version is not None:
        request.fragment_version = version
    return request


def test_a_fragment_is_rendered_once_per_version():
    render = Renderer()
    first = shared_fragments(page_request(), "answer", [1, 2], render)
    again = shared_fragments(page_request(), "answer", [1, 2, 3], render)
    assert first == {1: "<p>1</p>", 2: "<p>2</p>"}
    assert again == {1: "<p>1</p>", 2: "<p>2</p>", 3: "<p>3</p>"}
    assert render.calls == [1, 2, 3]
    shared_fragments(page_request("v2"), "answer", [1], render)
    assert render.calls == [1, 2, 3, 1]


@override_settings(ALLOWED_HOSTS=["testserver", "other.example"])
def test_the_language_the_host_the_name_and_the_vary_values_each_have_their_own_entry():
    render = Renderer()
    request = page_request()
    shared_fragment(request, "thread", render)
    with translation.override("en"):
        shared_fragment(request, "thread", render)
    shared_fragment(request, "thread", render, vary=("moderator",))
    shared_fragment(request, "list", render)
    other_host = RequestFactory(SERVER_NAME="other.example").get("/")
    other_host.fragment_version = "v1"
    shared_fragment(other_host, "thread", render)
    assert len(render.calls) == 5
    shared_fragment(request, "thread", render, vary=("moderator",))
    assert len(render.calls) == 5


def test_without_a_version_nothing_is_stored():
    render = Renderer()
    shared_fragment(page_request(None), "thread", render)
    shared_fragment(page_request(None), "thread", render)
    assert render.calls == ["", ""]


def test_a_fragment_holding_a_csrf_token_is_refused():
    with pytest.raises(ValueError, match="CSRF"):
        shared_fragment(
            page_request(), "form", lambda: '<input name="csrfmiddlewaretoken" value="x">'
        )


def test_a_cache_that_fails_gives_rendered_fragments(monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", down)
    render = Renderer()
    assert shared_fragment(page_request(), "thread", render) == "<p></p>"
    monkeypatch.undo()
    monkeypatch.setattr(cache, "set_many", down)
    assert shared_fragment(page_request(), "thread", render) == "<p></p>"
    assert len(render.calls) == 2


def registered_request(monkeypatch, path="/sante/", method="get"):
    monkeypatch.setattr(http_cache, "FRAGMENT_PAGES", {"health"})
    request = getattr(RequestFactory(), method)(path)
    request.resolver_match = resolve(path)
    return request


@pytest.mark.django_db
def test_a_registered_page_gets_a_version_that_a_write_replaces(monkeypatch):
    middleware = http_cache.HttpCacheMiddleware(lambda request: None)
    request = registered_request(monkeypatch)
    middleware.process_view(request, None, (), {})
    before = request.fragment_version
    again = registered_request(monkeypatch)
    middleware.process_view(again, None, (), {})
    assert again.fragment_version == before

    Topic.objects.create(name="Voirie", slug="voirie")
    after = registered_request(monkeypatch)
    middleware.process_view(after, None, (), {})
    assert after.fragment_version != before
    assert after.fragment_version.endswith(http_cache.deploy_id())


def test_unregistered_pages_and_posts_get_no_version(monkeypatch):
    middleware = http_cache.HttpCacheMiddleware(lambda request: None)
    posted = registered_request(monkeypatch, method="post")
    middleware.process_view(posted, None, (), {})
    assert not hasattr(posted, "fragment_version")
    monkeypatch.setattr(http_cache, "FRAGMENT_PAGES", set())
    request = RequestFactory().get("/sante/")
    request.resolver_match = resolve("/sante/")
    middleware.process_view(request, None, (), {})
    assert not hasattr(request, "fragment_version")


def test_fragment_keys_sort_before_the_other_cache_entries(monkeypatch):
    """A full database cache deletes the first third of its keys in key order: fragments
    (cheap to render again) must go before the rate-limit counters and the generations."""
    stored = {}
    monkeypatch.setattr(cache, "set_many", lambda values, timeout: stored.update(values))
    shared_fragment(page_request(), "thread", Renderer())
    (key,) = stored
    assert cache.make_key(key) < min(cache.make_key(k) for k in ("a", "0", "A", "http:generation"))


def test_fragments_read_ahead_come_with_the_next_read_and_the_later_call_reads_nothing(
    monkeypatch,
):
    render = Renderer()
    shared_fragments(page_request(), "forms", ["comment"], render)  # stored
    reads = []
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: reads.append(list(keys)) or get_many(keys))
    request = page_request()
    read_ahead(request, "forms", ["comment", "answer"], vary=("fr",))
    read_ahead(request, "forms", ["comment"])
    assert shared_fragments(request, "posts", [1], render) == {1: "<p>1</p>"}
    assert len(reads) == 1 and len(reads[0]) == 4
    # Read ahead: one found, the others missing, rendered (and stored) by the later calls.
    assert shared_fragments(request, "forms", ["comment"], render) == {"comment": "<p>comment</p>"}
    assert render.calls == ["comment", 1]
    both = shared_fragments(request, "forms", ["comment", "answer"], render, vary=("fr",))
    assert both == {"comment": "<p>comment</p>", "answer": "<p>answer</p>"}
    assert len(reads) == 1 and render.calls == ["comment", 1, "comment", "answer"]
    # A key not read ahead is read as before.
    shared_fragments(request, "forms", ["other"], render)
    assert len(reads) == 2

"""HTTP caching of the thread and list pages (website/http_cache.py, docs/architecture.md).

A reload sending the page's `ETag` back costs a 304; anything that would change the page for
that viewer changes the tag; no response made for one context is given in another.
"""

import gzip

import brotli
import pytest
from django.contrib import messages
from django.test import override_settings

from qa import services
from qa.models import FlagReason, Question
from taxonomy.models import Topic
from website import http_cache
from website.notifications.kinds import Kind
from website.notifications.models import Notification

LISTS = ["/questions/", "/discussions/"]


@pytest.fixture
def thread(question, make_answer, make_user):
    make_answer(question=question, author=make_user())
    return question


@pytest.fixture
def reader(client, make_user):
    viewer = make_user()
    client.force_login(viewer)
    client.viewer = viewer
    return client


def pages(thread):
    return [thread.get_absolute_url(), *LISTS]


def etag_of(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert "ETag" in response, url
    return response["ETag"]


def settled_etag(client, url):
    """The tag after a first visit (which records the visit, creates the feed token)."""
    client.get(url)
    return etag_of(client, url)


def reload(client, url, etag, **headers):
    return client.get(url, headers={"If-None-Match": etag, **headers})


@pytest.mark.django_db
def test_a_reload_with_the_tag_costs_a_304_without_a_body(reader, thread):
    for url in pages(thread):
        etag = settled_etag(reader, url)
        response = reload(reader, url, etag)
        assert response.status_code == 304, url
        assert response.content == b""
        assert response["ETag"] == etag
        assert response["Cache-Control"] == "private, no-cache"
        # The stored page's scripts carry the first answer's nonce: no new policy on a 304.
        assert "Content-Security-Policy" not in response
        assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_a_gzipped_page_weak_tag_also_revalidates(reader, thread):
    url = thread.get_absolute_url()
    reader.get(url)
    response = reader.get(url, headers={"Accept-Encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    assert response["ETag"].startswith('W/"')
    again = reload(reader, url, response["ETag"], **{"Accept-Encoding": "gzip"})
    assert again.status_code == 304


@pytest.mark.django_db
def test_the_page_members_see_is_private_and_revalidated(reader, thread):
    response = reader.get("/questions/")
    assert response["Cache-Control"] == "private, no-cache"
    assert {"Cookie", "Accept-Language", "HX-Request"} <= {
        v.strip() for v in response["Vary"].split(",")
    }


def _edit(thread, others):
    services.post_edit(post=thread, by=thread.author, body="Le texte change : voici la suite.")


def _answer(thread, others):
    services.answer_create(question=thread, author=others(), body="Une autre réponse utile.")


def _comment(thread, others):
    services.comment_create(post=thread, author=others(), body="Un commentaire de plus.")


def _vote(thread, others):
    services.vote_toggle(user=others(), post=thread, value=1)


def _accept(thread, others):
    services.answer_accept(answer=thread.answers.first(), by=thread.author)


def _delete(thread, others):
    services.post_delete(post=thread.answers.first(), by=others(roles=["Modérateurs"]))


def _flag_outcome(thread, others):
    flag = services.flag_create(post=thread, reporter=others(), reason=FlagReason.SPAM)
    services.flag_resolve(flag=flag, by=others(roles=["Modérateurs"]), accepted=False)


def _bulk_update(thread, others):
    # `.update()` sends no model signal: the database writes are what is watched.
    Question.objects.filter(pk=thread.pk).update(title="Un titre changé sans signal")


WRITES = [_edit, _answer, _comment, _vote, _accept, _delete, _flag_outcome, _bulk_update]


@pytest.mark.django_db
@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.__name__.strip("_"))
def test_every_write_to_the_thread_changes_the_tag(reader, thread, make_user, write):
    tags = {url: settled_etag(reader, url) for url in pages(thread)}
    write(thread, make_user)
    for url, etag in tags.items():
        response = reload(reader, url, etag)
        assert response.status_code == 200, (write.__name__, url)
        assert response["ETag"] != etag


@pytest.mark.django_db
def test_the_viewer_s_own_vote_and_follow_through_the_views_change_the_tag(reader, thread):
    url = thread.get_absolute_url()
    etag = settled_etag(reader, url)
    reader.post(f"/questions/{thread.pk}/voter/", {"value": "1"})
    page = reload(reader, url, etag)
    assert page.status_code == 200
    etag = settled_etag(reader, url)
    reader.post(f"/questions/{thread.pk}/suivre/")
    assert reload(reader, url, etag).status_code == 200


@pytest.mark.django_db
def test_a_new_notification_in_the_header_changes_the_tag(reader, thread):
    etag = settled_etag(reader, "/questions/")
    Notification.objects.create(
        recipient=reader.viewer, kind=Kind.values[0], title="Nouvelle réponse", url="/"
    )
    page = reload(reader, "/questions/", etag)
    assert page.status_code == 200
    assert "1 non lue" in page.content.decode()


@pytest.mark.django_db
def test_visiting_a_thread_changes_the_list_s_unread_rows_tag_not_the_thread_s(reader, thread):
    list_tag = settled_etag(reader, "/questions/")
    url = thread.get_absolute_url()
    thread_tag = settled_etag(reader, url)  # a second visit, recorded too
    assert reload(reader, url, thread_tag).status_code == 304
    assert reload(reader, "/questions/", list_tag).status_code == 200


@pytest.mark.django_db
def test_a_language_change_changes_the_tag(reader, thread):
    for url in pages(thread):
        etag = settled_etag(reader, url)
        reader.cookies["django_language"] = "en"
        response = reload(reader, url, etag)
        assert response.status_code == 200
        assert 'lang="en"' in response.content.decode()
        del reader.cookies["django_language"]


@pytest.mark.django_db
def test_the_remembered_answer_order_changes_the_tag(reader, thread):
    url = thread.get_absolute_url()
    etag = settled_etag(reader, url)
    reader.get(url + "?tri=date")  # remembered in the session
    assert reload(reader, url, etag).status_code == 200


@pytest.mark.django_db
def test_a_page_carrying_a_flash_message_has_no_tag_and_never_304s(reader, thread, monkeypatch):
    url = "/questions/"
    etag = settled_etag(reader, url)
    # A message waiting for the next page (as after a redirect).
    from django.contrib.messages import get_messages

    original = get_messages

    def with_message(request):
        storage = original(request)
        if not getattr(request, "_test_message_added", False):
            request._test_message_added = True
            messages.info(request, "Votre réponse est publiée.")
        return storage

    monkeypatch.setattr("website.http_cache.messages.get_messages", with_message)
    response = reload(reader, url, etag)
    assert response.status_code == 200
    assert "Votre réponse est publiée." in response.content.decode()
    assert "ETag" not in response


@pytest.mark.django_db
def test_another_member_with_the_first_member_s_tag_gets_the_page(client, thread, make_user):
    first, second = make_user(), make_user()
    for url in pages(thread):
        client.force_login(first)
        etag = settled_etag(client, url)
        client.force_login(second)
        client.get(url)
        response = reload(client, url, etag)
        assert response.status_code == 200
        assert response["ETag"] != etag


@pytest.mark.django_db
def test_an_htmx_request_has_its_own_tag(reader, thread):
    etag = settled_etag(reader, "/questions/")
    response = reload(reader, "/questions/", etag, **{"HX-Request": "true"})
    assert response.status_code == 200
    assert response["ETag"] != etag


@pytest.mark.django_db
def test_a_deploy_changes_the_tag(reader, thread, monkeypatch):
    etag = settled_etag(reader, "/questions/")
    monkeypatch.setattr("website.http_cache._deploy_id", "another-release")
    assert reload(reader, "/questions/", etag).status_code == 200


@pytest.mark.django_db
def test_the_account_gate_runs_before_a_304(client, thread, member, pending_user):
    client.force_login(member)
    etag = settled_etag(client, "/questions/")
    member.approved_at = None
    member.save()
    response = reload(client, "/questions/", etag)
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_visitor_without_public_reading_gets_no_tag_nor_304(client, thread):
    response = client.get("/questions/", headers={"If-None-Match": "*"})
    assert response.status_code == 302
    response = client.get("/questions/", headers={"If-None-Match": '"forged"'})
    assert response.status_code == 302
    assert "ETag" not in response
    assert "public" not in response.get("Cache-Control", "")


# --- Visitors with PUBLIC_READ: shared caches ----------------------------------------------


@pytest.mark.django_db
@override_settings(PUBLIC_READ=True, PUBLIC_CACHE_SECONDS=5)
def test_a_visitor_s_pages_may_be_kept_by_a_shared_cache_for_a_few_seconds(client, thread):
    for url in pages(thread):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=5", url
        assert not response.cookies, url
        assert "csrfmiddlewaretoken" not in response.content.decode()
        vary = {v.strip() for v in response["Vary"].split(",")}
        assert {"Cookie", "Accept-Language", "HX-Request"} <= vary
        again = reload(client, url, response["ETag"])
        assert again.status_code == 304
        assert again["Cache-Control"] == "public, max-age=5"


@pytest.mark.django_db
@override_settings(PUBLIC_READ=True, PUBLIC_CACHE_SECONDS=5)
def test_the_language_switch_still_works_for_a_visitor(client, thread):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/questions/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    page = client.get("/questions/")
    assert 'lang="en"' in page.content.decode()


@pytest.mark.django_db
@override_settings(PUBLIC_READ=True)
def test_a_member_s_language_switch_still_needs_its_csrf_token(thread, member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/questions/"})
    assert response.status_code == 403


@pytest.mark.django_db
@override_settings(PUBLIC_READ=True)
def test_pages_with_a_csrf_form_or_for_members_are_never_public(client, thread, member):
    login = client.get("/comptes/login/")
    assert login.status_code == 200
    assert "csrfmiddlewaretoken" in login.content.decode()
    assert "public" not in login.get("Cache-Control", "")
    client.force_login(member)
    for url in pages(thread):
        response = client.get(url)
        assert response["Cache-Control"] == "private, no-cache"


@pytest.mark.django_db
@override_settings(PUBLIC_READ=True)
def test_a_visitor_carrying_a_session_cookie_is_not_publicly_cached(client, thread):
    client.cookies["sessionid"] = "not-a-session-this-visitor-has"
    response = client.get("/questions/")
    assert response.status_code == 200
    assert "public" not in response["Cache-Control"]


@pytest.mark.django_db
@override_settings(PUBLIC_READ=False)
def test_no_public_caching_without_public_reading(client):
    for url in ["/", "/comptes/login/", "/mentions-legales/", "/questions/"]:
        response = client.get(url)
        assert "public" not in response.get("Cache-Control", ""), url


# --- Bad input: cache poisoning ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_disallowed_host_gets_400_not_a_page(reader, thread):
    etag = settled_etag(reader, "/questions/")
    response = reader.get("/questions/", headers={"If-None-Match": etag}, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "ETag" not in response


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["entraide.example.org", "autre.example.org"])
def test_the_host_is_part_of_the_tag(reader, thread):
    reader.get("/questions/", headers={"Host": "entraide.example.org"})
    etag = etag_of(reader, "/questions/", Host="entraide.example.org")
    assert reload(reader, "/questions/", etag, Host="entraide.example.org").status_code == 304
    other = reload(reader, "/questions/", etag, Host="autre.example.org")
    assert other.status_code == 200


@pytest.mark.django_db
@override_settings(PUBLIC_READ=True)
def test_vary_on_every_page_type(client, thread, member):
    visitor = {v.strip() for v in client.get(thread.get_absolute_url())["Vary"].split(",")}
    assert {"Cookie", "Accept-Language", "HX-Request"} <= visitor
    client.force_login(member)
    for url in [*pages(thread), "/", "/notifications/", "/recherche/?q=sel"]:
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        vary = {v.strip() for v in response["Vary"].split(",")}
        assert {"Cookie", "Accept-Language", "HX-Request"} <= vary, url
        if response.get("Content-Encoding") == "gzip":
            assert "Accept-Encoding" in vary


# --- A cache that cannot be reached ---------------------------------------------------------

DEAD_REDIS = {
    "default": {
        "BACKEND": "website.redis_cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.05, "socket_timeout": 0.05},
    }
}


@pytest.mark.django_db
def test_a_cache_that_is_down_serves_whole_pages_never_errors(reader, thread, make_user):
    url = thread.get_absolute_url()
    etag = settled_etag(reader, url)
    with override_settings(CACHES=DEAD_REDIS):
        for page in pages(thread):
            response = reload(reader, page, etag)
            assert response.status_code == 200, page
            assert "ETag" not in response
        # Writes still work (their generation bump is lost, harmlessly).
        services.answer_create(question=thread, author=make_user(), body="Écrite sans cache.")
        assert "Écrite sans cache." in reader.get(url).content.decode()


# --- Compression ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_html_is_gzipped_for_a_client_that_asks(reader, thread):
    response = reader.get(thread.get_absolute_url(), headers={"Accept-Encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert thread.title in gzip.decompress(response.content).decode()
    plain = reader.get(thread.get_absolute_url())
    assert "Content-Encoding" not in plain
    assert thread.title in plain.content.decode()


@pytest.mark.django_db
def test_html_is_brotli_compressed_when_the_client_accepts_it(reader, thread):
    url = thread.get_absolute_url()
    plain = reader.get(url)
    response = reader.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert response["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response["Vary"]
    assert int(response["Content-Length"]) == len(response.content)
    page = brotli.decompress(response.content).decode()
    assert thread.title in page
    # The same page as the plain one, but for what changes with every response (nonces, the
    # masked CSRF token): compared on the parts that do not.
    assert page.count("<article") == plain.content.decode().count("<article")
    gzipped = reader.get(url, headers={"Accept-Encoding": "gzip"})
    assert len(response.content) < len(gzipped.content)


@pytest.mark.django_db
def test_a_brotli_page_weak_tag_also_revalidates(reader, thread):
    url = thread.get_absolute_url()
    reader.get(url)
    response = reader.get(url, headers={"Accept-Encoding": "br"})
    assert response["ETag"].startswith('W/"')
    assert reload(reader, url, response["ETag"], **{"Accept-Encoding": "br"}).status_code == 304


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("br", "br"),
        ("gzip, br", "br"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.5, gzip;q=0.8", "gzip"),
        ("br;q=0.8, gzip;q=0.5", "br"),
        ("gzip;q=0, br;q=0", None),
        ("gzip;q=0", None),
        ("identity", None),
        ("*", "br"),
        ("*;q=0.5, br;q=0", "gzip"),
        ("", None),
    ],
)
def test_the_encoding_follows_the_client_s_q_values(client, thread, settings, accept, coding):
    settings.PUBLIC_READ = True
    response = client.get(thread.get_absolute_url(), headers={"Accept-Encoding": accept})
    assert response.get("Content-Encoding") == coding
    assert "Accept-Encoding" in response["Vary"]
    body = response.content
    if coding == "br":
        body = brotli.decompress(body)
    elif coding == "gzip":
        body = gzip.decompress(body)
    assert thread.title in body.decode()


@pytest.mark.django_db
def test_a_small_response_is_left_as_it_is(client):
    response = client.get("/sante/", headers={"Accept-Encoding": "gzip"})
    assert response.status_code in (200, 503)
    assert "Content-Encoding" not in response


def test_a_file_download_keeps_its_bytes_and_length(rf, tmp_path):
    """A text file sent as a download, streamed or whole: never compressed (its length and
    range requests stay right; a sendfile header's empty body is not touched either)."""
    from django.http import FileResponse, HttpResponse

    from website.http_cache import CompressionMiddleware

    text = "commune;population\n" * 500
    path = tmp_path / "communes.csv"
    path.write_text(text)
    for coding in ("gzip", "br"):
        request = rf.get("/", headers={"Accept-Encoding": coding})
        streamed = FileResponse(path.open("rb"), content_type="text/csv")
        downloaded = HttpResponse(text, content_type="text/csv")
        downloaded["Content-Disposition"] = 'attachment; filename="communes.csv"'
        for response in (streamed, downloaded):
            out = CompressionMiddleware(lambda r, response=response: response)(request)
            assert "Content-Encoding" not in out
            body = b"".join(out.streaming_content) if out.streaming else out.content
            assert body == text.encode()
        page = HttpResponse("<p>Bonjour</p>" * 100, content_type="text/html; charset=utf-8")
        out = CompressionMiddleware(lambda r, page=page: page)(request)
        assert out["Content-Encoding"] == coding
        image = HttpResponse(b"\x89PNG" * 100, content_type="image/png")
        out = CompressionMiddleware(lambda r, image=image: image)(request)
        assert "Content-Encoding" not in out


def test_a_streamed_text_response_is_brotli_compressed_whole(rf):
    from django.http import StreamingHttpResponse

    from website.http_cache import CompressionMiddleware

    parts = [f"<li>ligne {n}</li>".encode() for n in range(500)]
    request = rf.get("/", headers={"Accept-Encoding": "br"})
    streamed = StreamingHttpResponse(iter(parts), content_type="text/html")
    out = CompressionMiddleware(lambda r: streamed)(request)
    assert out["Content-Encoding"] == "br"
    assert brotli.decompress(b"".join(out.streaming_content)) == b"".join(parts)


@pytest.mark.django_db
def test_an_attachment_downloads_unchanged_for_a_gzip_client(client, member, question, make_user):
    from tests.qa.attachment_files import pdf, upload

    client.force_login(member)
    content = pdf()
    client.post(
        f"/questions/{question.pk}/repondre/",
        {
            "body": "Voici la délibération.",
            "submission_token": "a" * 32,
            "attachments": [upload("délibération.pdf", content)],
        },
    )
    document = question.answers.get().attachments.get()
    response = client.get(document.get_absolute_url(), headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body == document.file.open("rb").read()


MISSING_TABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "entraide_cache_not_created",
    }
}


@pytest.mark.django_db(transaction=True)
def test_a_database_cache_without_its_table_never_breaks_a_write(make_user):
    """A `migrate` run before `createcachetable` (as `make demo` once did): every migration's
    write replaced the generation in a cache table that did not exist yet, and `migrate`
    crashed. A write whose generation cannot be stored is kept; only its validator change is
    lost."""
    member = make_user()
    with override_settings(CACHES=MISSING_TABLE):
        type(member).objects.filter(pk=member.pk).update(first_name="Écrit sans cache")
    member.refresh_from_db()
    assert member.first_name == "Écrit sans cache"


@pytest.mark.django_db(transaction=True)
def test_a_cache_that_cannot_store_the_generation_is_logged_once_per_outage(make_user, caplog):
    """A first `migrate` ran before `createcachetable` printed 462 warnings with their
    tracebacks (about 19,000 lines); a failing database cache would log one per write too. The first
    failure is logged; the next are not until the cache stores a generation again."""
    member = make_user()
    users = type(member).objects.filter(pk=member.pk)

    def failures():
        return [r for r in caplog.records if "page generation" in r.getMessage()]

    with override_settings(CACHES=MISSING_TABLE):
        for number in range(3):
            users.update(first_name=f"Sans cache {number}")
    assert len(failures()) == 1
    assert failures()[0].exc_info is not None  # the cause, once
    users.update(first_name="Le cache répond")
    with override_settings(CACHES=MISSING_TABLE):
        users.update(first_name="Sans cache, à nouveau")
    assert len(failures()) == 2


def test_a_compound_read_is_not_taken_for_a_write():
    """PostgreSQL writes a UNION as `(SELECT …) UNION (SELECT …)`: read as a write, the list
    page (its filter choices are one UNION) never got a tag there."""
    assert http_cache.written_table('(SELECT "a" FROM "t") UNION (SELECT "b" FROM "u")') is None
    assert http_cache.written_table('UPDATE "qa_question" SET "title" = %s') == "qa_question"
    assert http_cache.written_table('CREATE INDEX "i" ON "t" ("c")') == ""


# --- The generations' reads on the database cache -------------------------------------------

DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "entraide_cache_http_test",
    }
}


@pytest.fixture
def database_cache():
    from django.core.management import call_command

    with override_settings(CACHES=DATABASE_CACHE):
        call_command("createcachetable", verbosity=0)
        yield


def cache_queries(client, url, **headers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    # The generations' reads and writes name their keys; the cache's other users (the
    # thread's related questions) are not counted.
    return response, [q["sql"] for q in captured.captured_queries if "http:generation" in q["sql"]]


@pytest.mark.django_db(transaction=True)
def test_a_validated_page_reads_the_database_cache_once(
    reader, thread, database_cache, monkeypatch
):
    """The site's and the viewer's generations in one read before the view; the tag made
    after the view reuses them (and the token its own visit wrote) instead of reading again.
    Committed transactions: the visit's generation is written once its transaction commits,
    as in production."""
    from django.core.cache.backends.db import DatabaseCache

    reads = []
    for method in ("get", "get_many", "add"):
        original = getattr(DatabaseCache, method)

        def spy(self, key, *args, original=original, method=method, **kwargs):
            keys = [key] if isinstance(key, str) else list(key)
            reads.extend((method, k) for k in keys if k.startswith("http:generation"))
            return original(self, key, *args, **kwargs)

        monkeypatch.setattr(DatabaseCache, method, spy)
    for url in pages(thread):
        etag = settled_etag(reader, url)
        reads.clear()
        response, queries = cache_queries(reader, url, **{"If-None-Match": etag})
        assert response.status_code == 304, url
        assert len(queries) == 1, (url, queries)
        assert [method for method, _key in reads] == ["get_many", "get_many"]  # two keys
        reads.clear()
        response = reader.get(url)
        assert response.status_code == 200
        assert {method for method, _key in reads} == {"get_many"}, url
        assert len(reads) == 2, url
        again = reload(reader, url, response["ETag"])
        assert again.status_code == 304, url


@pytest.mark.django_db(transaction=True)
def test_a_write_outside_a_transaction_replaces_the_generation_on_the_database_cache(
    database_cache,
):
    """On SQLite an `INSERT … RETURNING` outside a transaction is still open when the write
    watcher sees it: replacing the generation at once (a cache write, hence a commit on the
    same connection) failed with « SQL statements in progress », the tag stayed and a stale
    page could be served. The write is kept and the generation replaced."""
    from django.core.cache import cache

    before = http_cache.generations(http_cache.GENERATION_KEY)[0]
    topic = Topic.objects.create(name="Écrit hors transaction", slug="hors-transaction")
    assert Topic.objects.filter(pk=topic.pk).exists()
    assert cache.get(http_cache.GENERATION_KEY) != before
    before = cache.get(http_cache.GENERATION_KEY)
    Topic.objects.filter(pk=topic.pk).update(name="Renommé hors transaction")
    assert cache.get(http_cache.GENERATION_KEY) != before


def test_a_write_that_changes_no_row_keeps_the_generation(make_user):
    """An UPDATE or DELETE that matches no row changes nothing a page shows: the generation
    stays (opening a directory entry one does not follow ran such an UPDATE, « last visit »
    of a follow, and replaced the whole site's generation on every view). One that changes a
    row still replaces it."""
    from django.core.cache import cache

    topic = Topic.objects.create(name="Sujet intact", slug="sujet-intact")
    before = http_cache.generations(http_cache.GENERATION_KEY)[0]
    assert Topic.objects.filter(slug="sujet-absent").update(name="Personne") == 0
    assert Topic.objects.filter(slug="sujet-absent").delete()[0] == 0
    assert cache.get(http_cache.GENERATION_KEY) == before
    Topic.objects.filter(pk=topic.pk).update(name="Sujet renommé")
    assert cache.get(http_cache.GENERATION_KEY) != before

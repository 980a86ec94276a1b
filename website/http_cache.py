"""HTTP caching of the thread and list pages: validators, `Cache-Control`, `Vary`, gzip.

What is cached where, and what invalidates it: docs/architecture.md, « HTTP caching ».

- **The validator.** A question or discussion thread, `/questions/` and `/discussions/` carry an
  `ETag`; a reload sending it back (`If-None-Match`) gets a `304 Not Modified` before the view
  runs. The tag is an HMAC (`SECRET_KEY`) of everything the page depends on:
  - the site's *write generation*, a token in the shared cache that every database write
    replaces (below), so an edit, answer, comment, vote, acceptance, deletion, flag outcome,
    follow, notification, role or group change invalidates every page at once;
  - the viewer's own generation, replaced by the writes that only change that viewer's pages
    (`VIEWER_TABLES`: their thread visits, which mark the list's unread rows);
  - the viewer (user id), their session's data (answer order, renewal), their CSRF secret, the
    language, the host, the full path, the htmx request headers, `PUBLIC_READ`, the deploy
    (`deploy_id`: the code, templates, catalogues and static manifest) and a five-minute window
    (the session countdown and the printed date in the page are times).
  One cache read per request: the tag made again after the view reuses the generations read
  before it and the token of the view's own write. A page showing a flash message gets no
  validator; a cache that cannot be reached gives no generation, hence no validator: pages
  are served whole, never as errors.
- **The write generation.** A wrapper on every database connection sees each `INSERT`,
  `UPDATE` and `DELETE` (ORM, `.update()`, raw SQL, admin, tasks, management commands alike)
  and replaces the generation when the transaction commits (at once in autocommit). Writes
  made by reading are left out (`QUIET_TABLES`: the session and the database cache's own rows).
- **Shared caches.** With `PUBLIC_READ`, a visitor's page that neither sets a cookie nor
  holds a CSRF token nor a flash message, for a request without a session cookie, is
  `Cache-Control: public, max-age=PUBLIC_CACHE_SECONDS`; everything else with a validator is
  `private, no-cache` (the browser keeps it and asks each time).
- **Compression.** `CompressionMiddleware`: brotli when the client accepts it (q-values
  honoured), else Django's `GZipMiddleware`; text types only, never a file download
  (docs/security.md for BREACH).
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import os
import re
import secrets
import threading
import time
from pathlib import Path

import brotli
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponseNotModified
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.deprecation import MiddlewareMixin
from django.utils.http import parse_etags, quote_etag
from django.utils.text import compress_sequence, compress_string

logger = logging.getLogger("website.cache")

GENERATION_KEY = "http:generation"
VIEWER_KEY = "http:generation:viewer:{}"
# The pages that carry a validator (URL names).
VALIDATED_PAGES = {"qa:question_detail", "qa:question_list", "qa:discussion_list"}
# The pages whose views keep shared HTML fragments (directory/fragments.py): they get
# `request.fragment_version` before the view runs: the directory, the lists, Wagtail's pages
# (the home page's blocks) and the thread (its posts' shared HTML
# and related threads, qa.views.threads._shared_parts).
FRAGMENT_PAGES: set[str] = {
    "directory:person_list",
    "qa:question_list",
    "qa:discussion_list",
    "qa:question_detail",
    "wagtail_serve",
}
# How long a validator holds at most: the page shows the session's countdown and the date.
WINDOW_SECONDS = 300
# Written by reading a page, shown nowhere the validator covers (the session's data is in the
# validator itself).
QUIET_TABLES = {"django_session"}
# Written by a member's reading; shown only to that member (the list's unread rows).
VIEWER_TABLES = {"qa_threadvisit"}
# The request headers a page may differ by, besides the cookies and the language.
HTMX_HEADERS = (
    "HTTP_HX_REQUEST",
    "HTTP_HX_TARGET",
    "HTTP_HX_BOOSTED",
    "HTTP_HX_HISTORY_RESTORE_REQUEST",
)

_viewer = contextvars.ContextVar("http_cache_viewer", default=None)
# A connection's generations held back until its open statement is done (`_still_open`).
_PENDING = "_entraide_pending_bumps"

_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[`"]?([\w.]+)', re.IGNORECASE)
_NO_ROW_WRITE = re.compile(r"\s*(?:UPDATE|DELETE\s+FROM)\s", re.IGNORECASE)
# A compound query starts with a parenthesis on PostgreSQL: `(SELECT …) UNION (SELECT …)`.
_READ = re.compile(
    r"[\s(]*(?:SELECT|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SET|SHOW|PRAGMA|EXPLAIN|VALUES)\b",
    re.IGNORECASE,
)


# --- The write generation -------------------------------------------------------------------


def _quiet_tables() -> set[str]:
    tables = set(QUIET_TABLES)
    for alias in settings.CACHES.values():
        if alias["BACKEND"].endswith("DatabaseCache"):
            tables.add(alias["LOCATION"])
    return tables


def written_table(sql) -> str | None:
    """The table a statement writes, "" for a write whose table is not read here, None for a
    statement that writes nothing."""
    if not isinstance(sql, str):
        sql = str(sql)
    match = _WRITE.match(sql)
    if match:
        return match.group(1).split(".")[-1]
    if _READ.match(sql):
        return None
    return ""  # DDL, WITH … UPDATE, anything else: counted as a write


def _timeout(key: str) -> int | None:
    """The site's generation is kept; a viewer's ends after a day unused (one key per member
    would otherwise pile up; a new token only costs that member one full page)."""
    return None if key == GENERATION_KEY else 86_400


# Set while the cache cannot store a generation (the database cache's table not created yet,
# or its database failing; `website/redis_cache.py` answers Redis errors itself): logged once,
# not once per write.
_store_failing = threading.Event()


class _Bump:
    """Replace a generation once the transaction commits (one per key and transaction)."""

    def __init__(self, key):
        self.key = key

    def __eq__(self, other):
        return isinstance(other, _Bump) and other.key == self.key

    def __hash__(self):
        return hash(self.key)

    def __call__(self):
        # `set`, not `incr`: an evicted or never-written key needs no special case. A cache
        # that cannot store it (down, or its table not created yet while `migrate` runs) must
        # not fail the write that was made: only the validator's change is lost.
        token = secrets.token_hex(8)
        try:
            cache.set(self.key, token, _timeout(self.key))
        except Exception:
            if not _store_failing.is_set():
                _store_failing.set()
                logger.warning(
                    "Could not replace the page generation %s (not logged again until the"
                    " cache stores one)",
                    self.key,
                    exc_info=True,
                )
            token = None
        else:
            _store_failing.clear()
        # The request being served knows its own write's token: its tag needs no second read.
        request = _viewer.get()
        if request is not None:
            request.__dict__.setdefault("_http_cache_written", {})[self.key] = token


def _count_write(connection, table: str, still_open: bool = False) -> None:
    if table in _quiet_tables():
        return
    request = _viewer.get()
    # The user as the request already loaded it (a thread visit is written after that).
    user = getattr(request, "_cached_user", None)
    viewer = user.pk if user is not None and user.is_authenticated else None
    key = VIEWER_KEY.format(viewer) if table in VIEWER_TABLES and viewer else GENERATION_KEY
    bump = _Bump(key)
    # Inside a test's transaction (which never commits), writes count at once.
    blocks = connection.atomic_blocks
    if connection.in_atomic_block and not getattr(blocks[0], "_from_testcase", False):
        if any(entry[1] == bump for entry in connection.run_on_commit):
            return
        connection.on_commit(bump)
    elif still_open and not connection.in_atomic_block:
        pending = connection.__dict__.setdefault(_PENDING, [])
        if bump not in pending:
            pending.append(bump)
    else:
        bump()


def _still_open(connection, sql: str) -> bool:
    """SQLite steps an `INSERT … RETURNING` as its rows are fetched, so the statement is still
    open when the watcher sees it. In autocommit, a cache write on the same connection then
    (the database cache commits its own transaction) fails with « SQL statements in progress »
    and its rollback takes the open write with it: the generation is replaced once the
    statement is done instead."""
    return connection.vendor == "sqlite" and "RETURNING" in sql.upper()


def _changed_nothing(cursor, sql: str) -> bool:
    """An UPDATE or DELETE that matched no row: nothing a page shows has changed (opening a
    directory entry runs the « last visit » UPDATE of a follow the viewer mostly does not
    have). The driver's row count answers; -1 (unknown) counts as a change, and so does a
    statement still open (`_still_open`: its count is only known once its rows are read)."""
    return cursor.rowcount == 0 and _NO_ROW_WRITE.match(sql) is not None


def flush_pending_writes(connection=None) -> None:
    """Replace the generations of the finished writes that were held back (`_still_open`):
    before the connection's next statement outside a transaction, at the end of each request,
    and when the process exits."""
    for conn in [connection] if connection is not None else connections.all(initialized_only=True):
        pending = conn.__dict__.pop(_PENDING, None)
        for bump in pending or ():
            bump()


def flush_after_task(sender=None, **kwargs) -> None:
    """`flush_pending_writes` when a background task ends (the `task_finished` signal)."""
    flush_pending_writes()


def _write_watcher(connection):
    def watch(execute, sql, params, many, context):
        if _PENDING in connection.__dict__ and not connection.in_atomic_block:
            flush_pending_writes(connection)
        result = execute(sql, params, many, context)
        if not isinstance(sql, str):
            sql = str(sql)
        table = written_table(sql)
        if table is not None:
            still_open = _still_open(connection, sql)
            if still_open or not _changed_nothing(context["cursor"], sql):
                _count_write(connection, table, still_open)
        return result

    watch.entraide_write_watcher = True
    return watch


def watch_writes(sender=None, connection=None, **kwargs) -> None:
    """Install the write watcher on a connection (the `connection_created` signal)."""
    connections_to_watch = [connection] if connection is not None else connections.all()
    for conn in connections_to_watch:
        if not any(getattr(w, "entraide_write_watcher", False) for w in conn.execute_wrappers):
            conn.execute_wrappers.append(_write_watcher(conn))


def generations(*keys: str) -> list[str] | None:
    """The current tokens (one cache read), made when the cache holds none; None when the
    cache cannot be reached."""
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, secrets.token_hex(8), _timeout(key))
            found[key] = cache.get(key)
            if found[key] is None:
                return None
    return [found[key] for key in keys]


# --- The validator --------------------------------------------------------------------------

_deploy_id: str | None = None


def deploy_id() -> str:
    """What changes with each deploy: the code, templates, catalogues and static manifest,
    by content (the same on every node of a cluster), read once per process (a few ms)."""
    global _deploy_id
    if _deploy_id is None:
        digest = hashlib.sha256(settings.SENTRY_RELEASE.encode())
        base = Path(settings.BASE_DIR)
        skip = {".venv", "var", "node_modules", "tests", "docs", "benchmarks", "__pycache__"}
        for root, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith("."))
            for name in sorted(files):
                if name.endswith((".py", ".html", ".mo", ".txt")):
                    path = Path(root, name)
                    digest.update(str(path.relative_to(base)).encode())
                    digest.update(path.read_bytes())
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        if manifest.exists():
            digest.update(manifest.read_bytes())
        _deploy_id = digest.hexdigest()[:16]
    return _deploy_id


def _has_messages(request) -> bool:
    return bool(len(messages.get_messages(request)))


def validator(request, known: dict | None = None) -> tuple[str, dict] | None:
    """The page's `ETag` value for this viewer and the generations it was made with (read
    from the cache unless `known` holds them); None when the page must not have one."""
    if _has_messages(request):
        return None
    user = request.user
    keys = [GENERATION_KEY]
    if user.is_authenticated:
        keys.append(VIEWER_KEY.format(user.pk))
    if known is not None and all(known.get(key) is not None for key in keys):
        tokens = [known[key] for key in keys]
    else:
        tokens = generations(*keys)
        if tokens is None:
            return None
    session = getattr(request, "session", None)
    session_data = sorted(session.items()) if session is not None else []
    parts = [
        *tokens,
        str(user.pk),
        repr(session_data),
        request.META.get("CSRF_COOKIE", ""),
        getattr(request, "LANGUAGE_CODE", ""),
        request.get_host(),
        request.get_full_path(),
        *(request.META.get(header, "") for header in HTMX_HEADERS),
        str(settings.PUBLIC_READ),
        deploy_id(),
        str(int(time.time()) // WINDOW_SECONDS),
    ]
    etag = salted_hmac("entraide.http_cache.etag", "\x1f".join(parts)).hexdigest()[:32]
    return etag, dict(zip(keys, tokens, strict=True))


# --- Middleware -----------------------------------------------------------------------------


def _validated(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return (
        request.method in ("GET", "HEAD")
        and match is not None
        and match.view_name in VALIDATED_PAGES
        # A visitor reads these pages only with PUBLIC_READ: no 304 before the view's refusal.
        and (settings.PUBLIC_READ or request.user.is_authenticated)
    )


def _visitor_may_share(request) -> bool:
    """A visitor without a session, reading while PUBLIC_READ is on."""
    return (
        settings.PUBLIC_READ
        and settings.PUBLIC_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _publicly_cacheable(request, response) -> bool:
    """A page a shared cache may give any visitor: nothing in it belongs to this one."""
    return (
        _visitor_may_share(request)
        and response.status_code == 200
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not _has_messages(request)
        and "Cache-Control" not in response
        and response.get("Content-Type", "").startswith("text/html")
    )


def _set_fragment_version(request, generation: str | None) -> None:
    """The version a registered page's shared fragments are stored under: the site's write
    generation (read here, before the view reads its data) and the deploy."""
    if request.method not in ("GET", "HEAD") or request.resolver_match.view_name not in (
        FRAGMENT_PAGES
    ):
        return
    if generation is None:
        try:
            tokens = generations(GENERATION_KEY)
        except Exception:
            logger.warning("The page generation could not be read", exc_info=True)
            tokens = None
        generation = tokens[0] if tokens else None
    if generation is not None:
        request.fragment_version = f"{generation}:{deploy_id()}"


class HttpCacheMiddleware:
    """Validators, `Cache-Control` and `Vary` for HTML pages (the module's docstring).

    Placed last: the account gate and the other middleware have run when it answers 304.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _viewer.set(request)
        try:
            response = self.get_response(request)
        finally:
            flush_pending_writes()
            _viewer.reset(token)
        if response.get("Content-Type", "").startswith("text/html"):
            # The same URL is a whole page or an htmx fragment.
            patch_vary_headers(response, ("HX-Request",))
        before = getattr(request, "_http_cache_validator", None)
        written = getattr(request, "_http_cache_written", {})
        # A write to the site by this request: another process's write may have come between
        # the view's reads and its own, so no generation describes the page.
        if (
            before is not None
            and response.status_code == 200
            and not response.streaming
            and GENERATION_KEY not in written
            and None not in written.values()
        ):
            # Made again after the view, without reading the cache: the generations read
            # before it (the page is at least that recent; a write since then, by another
            # process, has replaced them and the next request's tag differs) and the token
            # of the view's own write (the visit); the session's data (the remembered answer
            # order) is read again. A token that could not be stored (None) gives no tag.
            after = validator(request, {**before[1], **written})
            if after is not None:
                response["ETag"] = quote_etag(after[0])
        if _publicly_cacheable(request, response):
            patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        elif "Cache-Control" not in response and (
            _validated(request) or request.user.is_authenticated
        ):
            # Kept by the browser alone, which asks again each time (with the tag, if any).
            patch_cache_control(response, private=True, no_cache=True)
        return response

    def process_view(self, request, view, args, kwargs):
        if not _validated(request):
            _set_fragment_version(request, None)
            return None
        made = validator(request)
        if made is None:
            return None
        _set_fragment_version(request, made[1][GENERATION_KEY])
        request._http_cache_validator = made
        etag = made[0]
        sent = parse_etags(request.headers.get("If-None-Match", ""))
        # Weak comparison: gzip makes the tag weak (`W/"…"`) on the way out.
        sent = {tag.removeprefix("W/") for tag in sent}
        if quote_etag(etag) not in sent:
            return None
        response = HttpResponseNotModified()
        response["ETag"] = quote_etag(etag)
        # The same freshness as the page it confirms.
        if _visitor_may_share(request):
            patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        else:
            patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ("Cookie", "Accept-Language", "HX-Request"))
        # No body, so no policy: a 304's header would replace the stored page's, whose
        # scripts carry the first answer's nonce.
        response._csp_exempt = True
        response._csp_exempt_ro = True
        return response


def accepted_encoding(header: str) -> str | None:
    """`br`, `gzip` or None for an `Accept-Encoding` header: the one with the higher q-value
    (`br` on a tie), never one refused with `q=0`; `*` stands for the codings not named."""
    weights = {}
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[coding] = weight
    other = weights.get("*", 0.0)
    br = weights.get("br", other)
    gz = weights.get("gzip", other)
    if br > 0 and br >= gz:
        return "br"
    if gz > 0:
        return "gzip"
    return None


class CompressionMiddleware(MiddlewareMixin):
    """Brotli or gzip for text (HTML, JSON, feeds, CSS, scripts); never for a file download.

    Django's `GZipMiddleware` made to choose: the client's q-values decide (it looks for the
    word `gzip` only, so `gzip;q=0` got gzip); gzip keeps its random header bytes
    (`max_random_bytes`, « Heal the Breach », docs/security.md).

    Brotli when the client accepts it at least as much as gzip (every current browser, over
    HTTPS): at quality 5, our pages come 9–17 % smaller than gzip's for 0.2–0.4 ms more CPU
    (benchmarks/README.md); 11, the library's default, costs tens of milliseconds a page.

    A downloaded file (`Content-Disposition: attachment` or a `FileResponse`) keeps its bytes,
    its length and its range requests; images and archives are compressed already.
    """

    TEXT_TYPES = (
        "text/",
        "application/json",
        "application/problem+json",
        "application/xml",
        "application/atom+xml",
        "application/rss+xml",
        "application/javascript",
    )
    BROTLI_QUALITY = 5
    max_random_bytes = GZipMiddleware.max_random_bytes

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "")
        if (
            not content_type.startswith(self.TEXT_TYPES)
            or "attachment" in response.get("Content-Disposition", "")
            or getattr(response, "file_to_stream", None) is not None
            or response.get("X-Accel-Redirect")
            or response.get("X-Sendfile")
        ):
            return response
        # What Django's gzip does first: short bodies and encoded ones are left as they are.
        if (not response.streaming and len(response.content) < 200) or response.has_header(
            "Content-Encoding"
        ):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        coding = accepted_encoding(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        if coding is None or (response.streaming and response.is_async):
            return response
        if response.streaming:
            response.streaming_content = (
                _brotli_stream(response.streaming_content, self.BROTLI_QUALITY)
                if coding == "br"
                else compress_sequence(
                    response.streaming_content, max_random_bytes=self.max_random_bytes
                )
            )
            del response.headers["Content-Length"]
        else:
            compressed = (
                brotli.compress(response.content, quality=self.BROTLI_QUALITY)
                if coding == "br"
                else compress_string(response.content, max_random_bytes=self.max_random_bytes)
            )
            if len(compressed) >= len(response.content):
                return response
            response.content = compressed
            response.headers["Content-Length"] = str(len(compressed))
        # Another encoding of the same page: a weak tag (RFC 9110 8.8.1), as Django's gzip.
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = coding
        return response


def _brotli_stream(chunks, quality: int):
    compressor = brotli.Compressor(quality=quality)
    for chunk in chunks:
        # Flushed per chunk: a streamed response shows its parts as they come.
        data = compressor.process(chunk) + compressor.flush()
        if data:
            yield data
    yield compressor.finish()

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
  A page showing a flash message gets no validator; a cache that cannot be reached gives no
  generation, hence no validator: pages are served whole, never as errors.
- **The write generation.** A wrapper on every database connection sees each `INSERT`,
  `UPDATE` and `DELETE` (ORM, `.update()`, raw SQL, admin, tasks, management commands alike)
  and replaces the generation when the transaction commits (at once in autocommit). Writes
  made by reading are left out (`QUIET_TABLES`: the session and the database cache's own rows).
- **Shared caches.** With `PUBLIC_READ`, a visitor's page that neither sets a cookie nor
  holds a CSRF token nor a flash message, for a request without a session cookie, is
  `Cache-Control: public, max-age=PUBLIC_CACHE_SECONDS`; everything else with a validator is
  `private, no-cache` (the browser keeps it and asks each time).
- **Compression.** `CompressionMiddleware` is Django's `GZipMiddleware` limited to text types
  and to responses that are not file downloads (docs/security.md for BREACH).
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import os
import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponseNotModified
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.http import parse_etags, quote_etag

logger = logging.getLogger("website.cache")

GENERATION_KEY = "http:generation"
VIEWER_KEY = "http:generation:viewer:{}"
# The pages that carry a validator (URL names).
VALIDATED_PAGES = {"qa:question_detail", "qa:question_list", "qa:discussion_list"}
# The pages whose views keep shared HTML fragments (directory/fragments.py): they get
# `request.fragment_version` before the view runs. The thread (questions and discussions
# alike): its posts' shared HTML (qa.views.threads._post_fragments).
FRAGMENT_PAGES: set[str] = {"qa:question_detail"}
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

_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[`"]?([\w.]+)', re.IGNORECASE)
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
        try:
            cache.set(self.key, secrets.token_hex(8), _timeout(self.key))
        except Exception:
            logger.warning("Could not replace the page generation %s", self.key, exc_info=True)


def _count_write(connection, table: str) -> None:
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
    else:
        bump()


def _write_watcher(connection):
    def watch(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        table = written_table(sql)
        if table is not None:
            _count_write(connection, table)
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


def validator(request) -> tuple[str, str] | None:
    """The page's `ETag` value for this viewer and the site's generation it was made with;
    None when the page must not have one."""
    if _has_messages(request):
        return None
    user = request.user
    keys = [GENERATION_KEY]
    if user.is_authenticated:
        keys.append(VIEWER_KEY.format(user.pk))
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
    return etag, tokens[0]


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
            _viewer.reset(token)
        if response.get("Content-Type", "").startswith("text/html"):
            # The same URL is a whole page or an htmx fragment.
            patch_vary_headers(response, ("HX-Request",))
        before = getattr(request, "_http_cache_validator", None)
        if before is not None and response.status_code == 200 and not response.streaming:
            # Made again after the view: its own writes (the visit, the remembered answer
            # order) are part of the page the browser now holds.
            after = validator(request)
            # A write to the site during the render: the page may be older than `after`.
            if after is not None and after[1] == before[1]:
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
        _set_fragment_version(request, made[1])
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


class CompressionMiddleware(GZipMiddleware):
    """gzip for text (HTML, JSON, feeds, CSS, scripts); never for a file download.

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
        return super().process_response(request, response)

"""Rendered HTML that every viewer of a page shares, kept in the cache until the next write.

A page registered in `website.http_cache.FRAGMENT_PAGES` gets `request.fragment_version` from
the HTTP cache middleware before its view runs: the site's write generation (replaced by every
database write, docs/architecture.md « HTTP caching ») and the deploy. A fragment is stored
under that version, so the first request after any write renders it again and nothing has to
be invalidated by hand. The version is read *before* the view reads its data: a write that
commits during the render replaces the version, and the fragment it stores is then never read.

What a fragment may hold: only what every viewer given the same `vary` values sees. Anything
that belongs to one viewer (their vote, the buttons they may use, a form and its CSRF token)
stays out and is rendered per request around or into it; a fragment holding a CSRF token is
refused. Without a version (page not registered, cache unreachable), fragments are rendered
and not stored: the page is the same, only slower.

This module sits in the lowest layer that renders shared pages, so that the Q&A, directory
and CMS pages use one mechanism; it reads the version the top layer put on the request.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Hashable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

logger = logging.getLogger("website.cache")

_CSRF_FIELD = "csrfmiddlewaretoken"


def _prefix(request, name: str, vary: Iterable) -> str | None:
    version = getattr(request, "fragment_version", None)
    if version is None:
        return None
    parts = "\x1f".join(str(part) for part in (version, get_language(), request.get_host(), *vary))
    digest = hashlib.blake2b(parts.encode(), digest_size=12).hexdigest()
    # "!" sorts before every other key: a full database cache deletes its entries in key order
    # (after the expired ones), so fragments go before the rate-limit counters.
    return f"!fragment:{name}:{digest}:"


def _checked(name: str, html: str) -> SafeString:
    if _CSRF_FIELD in html:
        raise ValueError(f"The shared fragment {name!r} holds a CSRF token: render it per viewer.")
    return mark_safe(html)  # noqa: S308 — the output of a template render


def shared_fragments(
    request,
    name: str,
    keys: Iterable[Hashable],
    render: Callable[[Hashable], str],
    *,
    vary: Iterable = (),
) -> dict[Hashable, SafeString]:
    """The HTML of each key's fragment, from one cache read, rendered (and stored in one write)
    for the keys the cache does not hold.

    `name` names the kind of fragment, `render(key)` returns its HTML, and `vary` lists what
    else the shared HTML depends on (a viewer's role class, a sort order…), never the viewer.
    """
    keys = list(keys)
    prefix = _prefix(request, name, vary)
    if prefix is None or not keys:
        return {key: _checked(name, render(key)) for key in keys}
    cache_keys = {key: prefix + str(key) for key in keys}
    already = request.__dict__.get("_fragments_read", {})
    if all(cache_key in already for cache_key in cache_keys.values()):
        found = {k: already[k] for k in cache_keys.values() if already[k] is not None}
    else:
        ahead = request.__dict__.pop("_fragments_ahead", [])
        try:
            found = cache.get_many([*cache_keys.values(), *ahead])
        except Exception:
            logger.warning("Shared fragments %s could not be read", name, exc_info=True)
            return {key: _checked(name, render(key)) for key in keys}
        request.__dict__.setdefault("_fragments_read", {}).update(
            (cache_key, found.get(cache_key)) for cache_key in ahead
        )
    result, missing = {}, {}
    for key, cache_key in cache_keys.items():
        if cache_key in found:
            result[key] = mark_safe(found[cache_key])  # noqa: S308 — checked when stored
        else:
            result[key] = missing[cache_key] = _checked(name, render(key))
    if missing:
        try:
            cache.set_many({k: str(v) for k, v in missing.items()}, settings.FRAGMENT_CACHE_SECONDS)
        except Exception:
            logger.warning("Shared fragments %s could not be stored", name, exc_info=True)
    return result


def read_ahead(request, name: str, keys: Iterable[Hashable], *, vary: Iterable = ()) -> None:
    """Fragments this request will ask for later (`shared_fragments` with the same `name`,
    `keys` and `vary`): the next `shared_fragments` call reads them with its own, in one cache
    read (one query fewer on the database cache), and the later call reads nothing."""
    prefix = _prefix(request, name, vary)
    if prefix is not None:
        ahead = request.__dict__.setdefault("_fragments_ahead", [])
        ahead.extend(prefix + str(key) for key in keys)


def shared_fragment(request, name: str, render: Callable[[], str], *, vary: Iterable = ()):
    """One shared fragment (`shared_fragments` with a single key)."""
    return shared_fragments(request, name, [""], lambda _key: render(), vary=vary)[""]

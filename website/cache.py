"""What the site does when its shared cache cannot be reached (docs/operations.md).

The cache holds nothing the site cannot lose: rate-limit counters, double-submit tokens, the
search synonyms' version. So when Redis is down, pages still serve: every cache operation
answers as an empty cache would (`website.redis_cache.RedisCache`) and logs a warning naming
the key, so an operator sees which limit went uncounted. The rate limits therefore fail
*open* (the posting budget, the double-submit token, the agenda quota, the password reset).

Login and sign-up fail *closed*: guessing passwords or creating accounts in bulk is what
their limits exist to stop, so a POST to those views runs with `cache_required()`, where a
cache failure raises `CacheUnavailable` instead, and the visitor gets a French 503 page
(`templates/503.html`) rather than an unlimited attempt.
"""

import contextvars
import logging
from contextlib import contextmanager
from functools import wraps

from django.shortcuts import render

logger = logging.getLogger(__name__)

# Seconds a client should wait before trying again (the `Retry-After` of the 503 answer).
RETRY_AFTER_SECONDS = 30

_required = contextvars.ContextVar("cache_required", default=False)


class CacheUnavailable(Exception):
    """The cache could not be reached while `cache_required()` was on."""


def cache_is_required() -> bool:
    return _required.get()


@contextmanager
def cache_required():
    """Inside, a cache that cannot be reached raises `CacheUnavailable` (fail closed)."""
    token = _required.set(True)
    try:
        yield
    finally:
        _required.reset(token)


def fail_closed_on_post(view):
    """Wrap a view whose POST must not run without its rate limit: login, sign-up.

    A GET (the form) is served as usual; a POST that cannot reach the cache answers 503 with
    a French message and a `Retry-After` header, and logs an error.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        try:
            with cache_required():
                return view(request, *args, **kwargs)
        except CacheUnavailable:
            logger.error(
                "Cache unreachable: POST %s refused with 503 (its rate limit fails closed)",
                request.path,
            )
            response = render(request, "503.html", status=503)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response

    return wrapped

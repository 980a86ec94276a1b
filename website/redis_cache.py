"""Django's Redis cache, which answers as an empty cache while Redis cannot be reached.

`CACHE_URL=redis://…` selects this class (website/settings.py). The policy — pages serve,
rate limits fail open except where `website.cache.cache_required()` is on — is in
`website/cache.py`. Here: how a failure is recognised and what each operation answers.
"""

import logging
from functools import wraps

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from website.cache import CacheUnavailable, cache_is_required

logger = logging.getLogger("website.cache")

# A refused or broken connection, or a server too slow to answer: Redis is not there.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

# Connection options unless CACHE_URL's query string sets them (`?socket_timeout=2`): a
# Redis that does not answer costs an operation at most about two attempts of this long,
# never a hung worker.
# One immediate retry (redis-py makes none by default) replaces a pooled connection that Redis
# closed when it restarted, instead of failing that operation; a stopped Redis refuses both
# attempts at once.
DEFAULT_OPTIONS = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 1.0,
    "retry": Retry(NoBackoff(), 1),
}


def _degrades(empty_answer):
    """On a connection failure, log and answer `empty_answer(*args, **kwargs)` instead."""

    def decorate(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as error:
                keys = args[0] if args else ""
                if isinstance(keys, dict):  # set_many: the keys, not the values
                    keys = list(keys)
                if cache_is_required():
                    raise CacheUnavailable(f"{method.__name__} {keys!r}: {error}") from error
                logger.warning(
                    "Cache unreachable (%s): %s %r answered as by an empty cache",
                    error,
                    method.__name__,
                    keys,
                )
                return empty_answer(*args, **kwargs)

        return wrapper

    return decorate


def _missing_key(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found")


class RedisCache(DjangoRedisCache):
    """What each operation answers while Redis is down: what an empty cache that keeps
    nothing would answer. `add` stores "successfully" (so a lock or a counting slot taken
    with it is granted: fail open), `get` misses, `incr` finds no key."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)

    @_degrades(lambda key, default=None, version=None: default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_degrades(lambda keys, version=None: {})
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_degrades(lambda key, version=None: False)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_degrades(lambda *args, **kwargs: True)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_degrades(lambda *args, **kwargs: None)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_degrades(lambda data, *args, **kwargs: list(data))
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_degrades(lambda *args, **kwargs: False)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_degrades(lambda *args, **kwargs: False)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_degrades(lambda *args, **kwargs: None)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_degrades(_missing_key)
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_degrades(lambda *args, **kwargs: False)
    def clear(self):
        return super().clear()

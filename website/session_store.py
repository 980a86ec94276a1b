"""Sessions read from the shared cache, written through to the database (Redis deployments).

`SESSION_ENGINE` names this store when `CACHE_URL` selects Redis (website/settings.py): a
member's request then reads its session from Redis, not from `django_session`, and every write
(login, logout, the daily renewal) goes to the database first and then to Redis, as Django's
`cached_db` does. Two servers share the Redis and the database, so they see the same sessions.

One difference from Django's: each copy in Redis lives at most `SESSION_CACHE_SECONDS` (ten
minutes), then the next request reads the database again. While Redis cannot be reached the
store reads and writes the database only (the degrading cache answers as an empty one), so a
logout in that window deletes the database row but cannot delete the Redis copy; if Redis
comes back with that copy (a network cut rather than a restart), the short life bounds how long
the logged-out cookie could still open a session. With the database cache (the default,
`dbcache://`) a cached read would cost a query like the session's own: the settings keep the
plain database store there.
"""

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore


class _ShortLived:
    """The session cache, with every timeout capped at `SESSION_CACHE_SECONDS`."""

    def __init__(self, cache):
        self._cache = cache

    def _cap(self, timeout):
        limit = settings.SESSION_CACHE_SECONDS
        return limit if timeout is None else min(timeout, limit)

    def set(self, key, value, timeout=None, **kwargs):
        return self._cache.set(key, value, self._cap(timeout), **kwargs)

    async def aset(self, key, value, timeout=None, **kwargs):
        return await self._cache.aset(key, value, self._cap(timeout), **kwargs)

    def __contains__(self, key):
        return key in self._cache

    def __getattr__(self, name):
        return getattr(self._cache, name)


class SessionStore(CachedDbStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _ShortLived(self._cache)

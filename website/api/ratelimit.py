"""Requests per token: `API_RATE_LIMIT_REQUESTS` per window of `API_RATE_LIMIT_WINDOW_SECONDS`,
counted in the shared cache, so the limit is one for all worker processes and servers.
Requests without a token: `API_ANONYMOUS_RATE_LIMIT_REQUESTS` per window and per client
address (allauth's `get_client_ip`, which knows the trusted proxies; an IPv6 address counts
with its whole /64, which one client usually holds).

A window is fixed (it starts on a multiple of its length); its counter is created with `add`
and counted with `incr`. On Redis (production) `incr` is Redis's atomic INCR: two processes
never lose a count. (Django's database cache implements `incr` as a read then a write, so
there a burst may count a few requests fewer; the posting budgets, which must be exact, take
numbered slots instead, `directory/budget.py`.)

While the cache cannot be reached (website/cache.py): a read is served uncounted, with a
warning in the log (fail open, like the site's pages); a write is refused with 503
`rate_limit_unavailable` and `Retry-After` (fail closed: a script that writes retries later,
and no token writes without its limit).
"""

from __future__ import annotations

import ipaddress
import logging
import time
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils.translation import gettext as _

from website.api.problems import Problem
from website.cache import RETRY_AFTER_SECONDS, CacheUnavailable, cache_required

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Count:
    limit: int
    remaining: int  # negative once the window is spent
    reset: int  # seconds until the window ends

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(0, self.remaining)),
            "RateLimit-Reset": str(self.reset),
        }


def _count(bucket: str, limit: int) -> Count:
    window = settings.API_RATE_LIMIT_WINDOW_SECONDS
    now = time.time()
    number = int(now // window)
    key = f"api:rate:{bucket}:{number}"
    # The counter outlives its window a little, so that it never expires while counted.
    cache.add(key, 0, window + 5)
    try:
        used = cache.incr(key)
    except ValueError:
        # Expired between `add` and `incr` (or evicted): this request opens a new counter.
        cache.add(key, 1, window + 5)
        used = 1
    reset = max(1, int((number + 1) * window - now))
    return Count(limit=limit, remaining=limit - used, reset=reset)


def client_bucket(request) -> str:
    """The client's address as counted: an IPv4 address, or an IPv6 address's /64."""
    try:
        address = ipaddress.ip_address(get_adapter(request).get_client_ip(request))
    except (PermissionDenied, ImproperlyConfigured, ValueError):
        return "unknown"  # no address, or fewer X-Forwarded-For entries than trusted proxies
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def count_request(request, token) -> Count | None:
    """Count one request of `token`; raise 429 when its window is spent. None when the cache
    is unreachable and the request is a read (served uncounted). The count is kept on the
    request (`api_rate_count`): `ApiProblemMiddleware` adds its `RateLimit-*` headers."""
    return _counted(
        request,
        bucket=str(token.pk),
        limit=settings.API_RATE_LIMIT_REQUESTS,
        who=f"token {token.pk}",
        refusal=_(
            "Ce jeton a fait plus de %(limit)d requêtes en %(seconds)d secondes : "
            "réessayez dans %(reset)d secondes."
        ),
    )


def count_anonymous_request(request) -> Count | None:
    """Count one request without a token against its client address, as `count_request`."""
    bucket = client_bucket(request)
    return _counted(
        request,
        bucket=f"anon:{bucket}",
        limit=settings.API_ANONYMOUS_RATE_LIMIT_REQUESTS,
        who=f"address {bucket}",
        refusal=_(
            "Votre adresse a fait plus de %(limit)d requêtes sans jeton en %(seconds)d "
            "secondes : réessayez dans %(reset)d secondes, ou utilisez un jeton personnel."
        ),
    )


def _counted(request, *, bucket: str, limit: int, who: str, refusal: str) -> Count | None:
    try:
        with cache_required():
            counted = _count(bucket, limit)
    except CacheUnavailable:
        if request.method in SAFE_METHODS:
            logger.warning(
                "Cache unreachable: API read %s by %s served without its rate limit",
                request.path,
                who,
            )
            return None
        logger.error(
            "Cache unreachable: API write %s by %s refused with 503 (fails closed)",
            request.path,
            who,
        )
        raise Problem(
            503,
            "rate_limit_unavailable",
            _("Le service est momentanément indisponible : réessayez dans un instant."),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from None
    if counted.remaining < 0:
        raise Problem(
            429,
            "rate_limited",
            refusal
            % {
                "limit": counted.limit,
                "seconds": settings.API_RATE_LIMIT_WINDOW_SECONDS,
                "reset": counted.reset,
            },
            headers={"Retry-After": str(counted.reset), **counted.headers()},
        )
    request.api_rate_count = counted
    return counted

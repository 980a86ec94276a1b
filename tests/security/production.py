"""The security settings as production computes them, read from `website.settings` in a subprocess.

Tests apply them over the test settings (which relax cookies and HSTS for plain-HTTP browser
tests), so header and cookie checks measure what a real deployment sends.
"""

import functools

from tests.processes import printed_json

NAMES = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SAMESITE",
]
# CONTENT_SECURITY_POLICY is not copied: the test settings import it unchanged.
PRODUCTION_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "website.settings",
    "DJANGO_DEBUG": "false",
    "SECRET_KEY": "a-production-like-secret-key-that-is-long-enough-and-random-8f3k2m",
    "ALLOWED_HOSTS": "entraide.example.org",
}
TEST_ONLY_VARIABLES = {"DJANGO_ALLOW_ASYNC_UNSAFE", "SECURE_SSL_REDIRECT", "SECRET_KEY"}

SCRIPT = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name, None) for name in %r}, default=str))
"""


@functools.cache
def production_settings() -> dict:
    values = printed_json(
        ["-c", SCRIPT % (NAMES,)], PRODUCTION_ENVIRONMENT, without=TEST_ONLY_VARIABLES
    )
    if values["SECURE_PROXY_SSL_HEADER"]:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def default_cache_as_built(**environment) -> dict:
    """`CACHES["default"]` as `website.settings` builds it in a fresh process, from the test
    process's environment without its Django, pytest and cache variables, plus these."""
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CACHES['default']))"
    )
    return printed_json(["-c", script], environment, without={"CACHE_URL"})


def apply(settings) -> None:
    """Apply production's security settings through pytest-django's `settings` fixture."""
    for name, value in production_settings().items():
        if name != "DEBUG":
            setattr(settings, name, value)
    settings.ALLOWED_HOSTS = ["testserver"]


# The test client speaks HTTP; behind the proxy, production sees this header.
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}

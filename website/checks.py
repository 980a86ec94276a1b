"""System checks for deployment settings Django cannot check by itself."""

import importlib.util
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages


@checks.register(checks.Tags.security, deploy=True)
def proxy_client_address_is_trusted(app_configs, **kwargs):
    """Warn when HTTPS comes from a proxy header but the client's address does not.

    `SECURE_PROXY_SSL_HEADER` says a reverse proxy sits in front of the site; REMOTE_ADDR is
    then the proxy's address for every visitor, and allauth's per-IP limits (failed logins,
    sign-ups, password resets) become one bucket that any visitor can empty for everybody.
    """
    behind_a_proxy = bool(settings.SECURE_PROXY_SSL_HEADER)
    trusts_a_proxy = settings.ALLAUTH_TRUSTED_PROXY_COUNT > 0 or bool(
        settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER
    )
    if behind_a_proxy and not trusts_a_proxy:
        return [
            checks.Warning(
                "SECURE_PROXY_SSL_HEADER is set but ALLAUTH_TRUSTED_PROXY_COUNT is 0: every "
                "visitor shares the proxy's address, so one client can exhaust the per-IP "
                "login limits for everybody.",
                hint=(
                    "Set ALLAUTH_TRUSTED_PROXY_COUNT to the number of proxies appending to "
                    "X-Forwarded-For (1 behind one reverse proxy), or "
                    "ALLAUTH_TRUSTED_CLIENT_IP_HEADER to a header the proxy fills."
                ),
                id="entraide.W001",
            )
        ]
    return []


# --- The engines: a misconfiguration stops the start, not the first request -----------------
#
# A URL that cannot be parsed at all stops the settings module itself (website/settings.py,
# `_url_setting`). These checks catch what parses but cannot work. `manage.py check` and
# `migrate` run them; so does `website/wsgi.py` before gunicorn serves anything, with
# `refuse_misconfigured_engines`.

ENGINES = "engines"
REDIS_BACKENDS = {
    "django.core.cache.backends.redis.RedisCache",
    "website.redis_cache.RedisCache",
}


def _redis_location_problem(location: str) -> str | None:
    url = urlsplit(location)
    if url.scheme == "unix":
        return None if url.path else "a Unix socket URL needs the socket's path"
    if url.scheme not in ("redis", "rediss"):
        return f"unknown scheme {url.scheme!r} (redis://, rediss:// or unix://)"
    if not url.hostname:
        return "no host name"
    try:
        url.port  # noqa: B018 (parsing the port is the check)
    except ValueError:
        return f"the port {url.netloc.rsplit(':', 1)[-1]!r} is not a number"
    database = url.path.strip("/")
    if database and not database.isdigit():
        return f"the database {database!r} is not a number (redis://host:6379/1)"
    return None


@checks.register(ENGINES)
def cache_is_usable(app_configs, **kwargs):
    """CACHE_URL: a Redis cache needs its client and well-formed server URLs."""
    params = settings.CACHES.get("default", {})
    backend = params.get("BACKEND", "")
    hint = "CACHE_URL in the environment (README, « Configuration »)."
    errors = []
    if backend in REDIS_BACKENDS:
        if importlib.util.find_spec("redis") is None:
            errors.append(
                checks.Error(
                    "CACHE_URL selects Redis but the Python package `redis` is not installed.",
                    hint="Install the project's requirements.lock.",
                    id="entraide.E001",
                )
            )
        locations = params.get("LOCATION", "")
        if isinstance(locations, str):
            locations = re.split("[;,]", locations)
        for location in locations:
            if problem := _redis_location_problem(location):
                errors.append(
                    checks.Error(
                        f"CACHE_URL: the Redis server {location!r} cannot be used: {problem}.",
                        hint=hint,
                        id="entraide.E002",
                    )
                )
    elif backend == "django.core.cache.backends.db.DatabaseCache" and not params.get("LOCATION"):
        errors.append(
            checks.Error(
                "CACHE_URL selects the database cache but names no table "
                "(dbcache://entraide_cache).",
                hint=hint,
                id="entraide.E002",
            )
        )
    return errors


@checks.register(ENGINES)
def database_is_usable(app_configs, **kwargs):
    """DATABASE_URL names a database. (An unknown engine stops `django.setup()` itself, with
    Django's message naming it, before any check runs.)"""
    if not settings.DATABASES.get("default", {}).get("NAME"):
        return [
            checks.Error(
                "DATABASE_URL names no database (the path after the host).",
                hint="DATABASE_URL in the environment, e.g. "
                "postgres://user:password@host:5432/entraide.",
                id="entraide.E003",
            )
        ]
    return []


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


@checks.register(ENGINES)
def storages_are_usable(app_configs, **kwargs):
    """STORAGES: each backend loads with its options; uploads can be written to MEDIA_ROOT."""
    errors = []
    for alias in ("default", "staticfiles"):
        if alias not in settings.STORAGES:
            errors.append(checks.Error(f"STORAGES has no {alias!r} storage.", id="entraide.E004"))
            continue
        try:
            storage = storages.create_storage(settings.STORAGES[alias])
        except Exception as error:  # noqa: BLE001 (any failure to load is the finding)
            errors.append(
                checks.Error(f"STORAGES[{alias!r}] cannot be loaded: {error}", id="entraide.E004")
            )
            continue
        if alias == "default" and isinstance(storage, FileSystemStorage):
            folder = _nearest_existing(Path(storage.location))
            if not (folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)):
                errors.append(
                    checks.Error(
                        f"Uploaded files cannot be written under {storage.location}: "
                        f"{folder} is not a writable folder.",
                        hint="MEDIA_ROOT in the environment.",
                        id="entraide.E004",
                    )
                )
    return errors


SENDFILE_CHOICES = ("", "nginx", "xsendfile")
STREAMING_SENDFILE = "wagtail.utils.sendfile_streaming_backend"


@checks.register(ENGINES)
def sendfile_matches_the_storage(app_configs, **kwargs):
    """The proxy can send only files it can read on its own disk: `QA_ATTACHMENT_SENDFILE` and
    a non-streaming `SENDFILE_BACKEND` need the local `FileSystemStorage`. With a remote
    storage (S3-compatible) the header would name a path nobody serves: every download would
    fail. Refused at start-up; leave them empty and Django streams from the storage."""
    errors = []
    if settings.QA_ATTACHMENT_SENDFILE not in SENDFILE_CHOICES:
        errors.append(
            checks.Error(
                f"QA_ATTACHMENT_SENDFILE={settings.QA_ATTACHMENT_SENDFILE!r} is not one of "
                "'' (Django streams), 'nginx' or 'xsendfile'.",
                hint="QA_ATTACHMENT_SENDFILE in the environment (docs/operations.md).",
                id="entraide.E005",
            )
        )
    proxied = [
        name
        for name, value in (
            ("QA_ATTACHMENT_SENDFILE", settings.QA_ATTACHMENT_SENDFILE),
            ("SENDFILE_BACKEND", settings.SENDFILE_BACKEND not in ("", STREAMING_SENDFILE)),
        )
        if value
    ]
    if proxied:
        try:
            storage = storages.create_storage(settings.STORAGES["default"])
        except Exception:  # noqa: BLE001 (storages_are_usable reports it)
            return errors
        if not isinstance(storage, FileSystemStorage):
            errors.append(
                checks.Error(
                    f"{' and '.join(proxied)} hand files to the proxy, but the default storage "
                    f"({type(storage).__name__}) is not on the local disk: the proxy cannot "
                    "send its files.",
                    hint="Leave them empty with a remote storage: Django then streams the "
                    "files from the storage after the check (docs/operations.md).",
                    id="entraide.E005",
                )
            )
    return errors


@checks.register(ENGINES)
def clamd_socket_is_usable(app_configs, **kwargs):
    """CLAMD_SOCKET: empty, a socket path, unix://path or tcp://host:port (qa/antivirus.py)."""
    address = settings.CLAMD_SOCKET
    if not address or address.startswith("/"):
        return []
    url = urlsplit(address)
    try:
        usable = (url.scheme == "unix" and bool(url.path)) or (
            url.scheme == "tcp" and bool(url.hostname) and bool(url.port)
        )
    except ValueError:  # a port that is not a number
        usable = False
    if usable:
        return []
    return [
        checks.Error(
            f"CLAMD_SOCKET={address!r} is neither a socket path nor tcp://host:port.",
            hint="/run/clamav/clamd.ctl, unix:///run/clamav/clamd.ctl or tcp://127.0.0.1:3310.",
            id="entraide.E006",
        )
    ]


def refuse_misconfigured_engines() -> None:
    """Raise ImproperlyConfigured listing the engines' errors (gunicorn runs no checks)."""
    errors = [message for message in checks.run_checks(tags=[ENGINES]) if message.is_serious()]
    if errors:
        raise ImproperlyConfigured("\n".join(str(error) for error in errors))

"""A misconfigured cache, database or storage stops the start with a clear error.

Two stages (website/settings.py `_url_setting`, website/checks.py): a URL that cannot be
parsed stops the settings module, naming the variable; one that parses but cannot work fails
a system check (`entraide.E001`–`E006`), which `manage.py check`/`migrate` run and which
`website/wsgi.py` runs before gunicorn serves anything. Either way no request gets a 500.
"""

import subprocess

import pytest
from django.core import checks

from tests.processes import fresh_python
from website import checks as engine_checks

REDIS = "website.redis_cache.RedisCache"


def engine_errors() -> list[str]:
    return [
        f"{message.id}: {message.msg}"
        for message in checks.run_checks(tags=[engine_checks.ENGINES])
        if message.is_serious()
    ]


def test_the_test_configuration_passes_the_engine_checks():
    assert engine_errors() == []


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        ("redis://127.0.0.1:abc/1", "the port 'abc' is not a number"),
        (
            "redis://127.0.0.1:6379/cache",
            "the database 'cache' is not a number (redis://host:6379/1)",
        ),
        ("redis://:6379/1", "no host name"),
        ("http://127.0.0.1:6379/1", "unknown scheme 'http' (redis://, rediss:// or unix://)"),
        ("unix://", "a Unix socket URL needs the socket's path"),
    ],
)
def test_a_malformed_redis_url_fails_a_check(settings, location, problem):
    settings.CACHES = {"default": {"BACKEND": REDIS, "LOCATION": location}}
    assert engine_errors() == [
        f"entraide.E002: CACHE_URL: the Redis server {location!r} cannot be used: {problem}."
    ]


def test_a_well_formed_redis_url_passes(settings):
    settings.CACHES = {"default": {"BACKEND": REDIS, "LOCATION": "redis://cache.local:6379/1"}}
    assert engine_errors() == []


def test_redis_without_its_client_fails_a_check(settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": REDIS, "LOCATION": "redis://127.0.0.1:6379/1"}}
    real_find_spec = engine_checks.importlib.util.find_spec
    monkeypatch.setattr(
        engine_checks.importlib.util,
        "find_spec",
        lambda name, *args: None if name == "redis" else real_find_spec(name, *args),
    )
    assert engine_errors() == [
        "entraide.E001: CACHE_URL selects Redis but the Python package `redis` is not installed."
    ]


def test_a_database_cache_without_a_table_fails_a_check(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": ""}
    }
    assert engine_errors() == [
        "entraide.E002: CACHE_URL selects the database cache but names no table "
        "(dbcache://entraide_cache)."
    ]


def test_a_database_url_without_a_database_name_fails_a_check(settings):
    settings.DATABASES = {
        "default": {"ENGINE": "django.db.backends.postgresql", "NAME": "", "HOST": "db"}
    }
    assert engine_errors() == [
        "entraide.E003: DATABASE_URL names no database (the path after the host)."
    ]


def test_a_storage_backend_that_does_not_load_fails_a_check(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "website.files.storage.NoSuchStorage"},
    }
    [error] = engine_errors()
    assert error.startswith("entraide.E004: STORAGES['default'] cannot be loaded:")
    assert "NoSuchStorage" in error


def test_an_upload_folder_that_cannot_be_written_fails_a_check(settings, tmp_path):
    not_a_folder = tmp_path / "fichier"
    not_a_folder.write_text("")
    settings.MEDIA_ROOT = str(not_a_folder / "media")
    assert engine_errors() == [
        f"entraide.E004: Uploaded files cannot be written under {not_a_folder / 'media'}: "
        f"{not_a_folder} is not a writable folder."
    ]


# --- At start-up, in fresh processes -------------------------------------------------------


def start(command: list[str], **environment) -> subprocess.CompletedProcess:
    return fresh_python(command, {"DJANGO_DEBUG": "true"} | environment, check=False)


def test_manage_py_check_refuses_a_malformed_redis_url():
    result = start(["manage.py", "check"], CACHE_URL="redis://127.0.0.1:abc/1")
    assert result.returncode == 1
    assert "entraide.E002" in result.stderr
    assert "the port 'abc' is not a number" in result.stderr


def test_the_wsgi_application_refuses_to_start_with_a_malformed_redis_url(tmp_path):
    # gunicorn imports this module and runs no checks itself: website/wsgi.py runs them.
    result = start(["-c", "import website.wsgi"], CACHE_URL="redis://127.0.0.1:abc/1")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "entraide.E002" in result.stderr
    assert "the port 'abc' is not a number" in result.stderr


def test_an_unknown_database_engine_stops_django_setup_with_its_name():
    result = start(["manage.py", "check"], DATABASE_URL="postgress://db.local/entraide")
    assert result.returncode != 0
    assert "'postgress' isn't an available database backend" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "CACHE_URL",
            "redsi://127.0.0.1:6379/1",
            "CACHE_URL cannot be read: Invalid cache schema redsi",
        ),
        ("CACHE_URL", "127.0.0.1:6379", "CACHE_URL cannot be read: Invalid cache schema"),
        (
            "DATABASE_URL",
            "postgres://db.local:cinq/entraide",
            "DATABASE_URL cannot be read: Port could not be cast",
        ),
        ("DATABASE_URL", "db.local/entraide", "DATABASE_URL cannot be read: it has no scheme"),
    ],
)
def test_a_url_that_cannot_be_parsed_stops_the_start_naming_the_variable(variable, value, message):
    result = start(["manage.py", "check"], **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr


# --- Sending files through the proxy needs files on the proxy's disk (review of stop 23) ---

REMOTE_STORAGE = {"BACKEND": "django.core.files.storage.InMemoryStorage"}


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("QA_ATTACHMENT_SENDFILE", "nginx"),
        ("QA_ATTACHMENT_SENDFILE", "xsendfile"),
        ("SENDFILE_BACKEND", "website.files.sendfile_nginx"),
    ],
)
def test_sendfile_with_a_remote_storage_fails_a_check(settings, setting, value):
    settings.STORAGES = {**settings.STORAGES, "default": REMOTE_STORAGE}
    setattr(settings, setting, value)
    [error] = engine_errors()
    assert error.startswith(f"entraide.E005: {setting} hand files to the proxy")
    assert "InMemoryStorage" in error


def test_a_remote_storage_streamed_by_django_passes(settings):
    settings.STORAGES = {**settings.STORAGES, "default": REMOTE_STORAGE}
    settings.QA_ATTACHMENT_SENDFILE = ""
    settings.SENDFILE_BACKEND = "wagtail.utils.sendfile_streaming_backend"
    assert engine_errors() == []


def test_sendfile_with_the_local_storage_passes(settings):
    settings.QA_ATTACHMENT_SENDFILE = "nginx"
    settings.SENDFILE_BACKEND = "website.files.sendfile_nginx"
    assert engine_errors() == []


def test_an_unknown_attachment_sendfile_value_fails_a_check(settings):
    settings.QA_ATTACHMENT_SENDFILE = "ngnix"
    [error] = engine_errors()
    assert error.startswith("entraide.E005: QA_ATTACHMENT_SENDFILE='ngnix' is not one of")


@pytest.mark.parametrize("address", ["clamd:3310", "tcp://127.0.0.1", "tcp://h:port", "unix://"])
def test_a_malformed_clamd_socket_fails_a_check(settings, address):
    settings.CLAMD_SOCKET = address
    [error] = engine_errors()
    assert error.startswith(f"entraide.E006: CLAMD_SOCKET={address!r}")


@pytest.mark.parametrize(
    "address", ["", "/run/clamav/clamd.ctl", "unix:///run/clamd.ctl", "tcp://127.0.0.1:3310"]
)
def test_a_well_formed_clamd_socket_passes(settings, address):
    settings.CLAMD_SOCKET = address
    assert engine_errors() == []

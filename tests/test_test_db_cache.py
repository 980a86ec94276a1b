"""The migrated test database is kept in a cache shared by the checkouts of this machine
(tests/conftest.py): its name changes with what `migrate` reads and nothing else, and the
cache keeps the entries used last."""

import os
import sysconfig

import pytest

from tests.conftest import (
    _CACHE_ENTRIES_KEPT,
    _migrations_key,
    _prune_test_db_cache,
    _test_db_cache,
)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A checkout with one migration, and a site-packages folder with two packages."""
    base = tmp_path / "checkout"
    (base / "app" / "migrations").mkdir(parents=True)
    (base / "app" / "migrations" / "0001_initial.py").write_text("operations = []\n")
    packages = tmp_path / "site-packages"
    (packages / "django-5.2.19.dist-info").mkdir(parents=True)
    (packages / "wagtail-8.0.1.dist-info").mkdir()
    monkeypatch.setattr(sysconfig, "get_paths", lambda: {"purelib": packages, "platlib": packages})
    return base, packages


def test_the_key_changes_with_a_migration_and_a_package_version(project):
    base, packages = project
    key = _migrations_key(base)
    (base / "app" / "migrations" / "0002_more.py").write_text("operations = []\n")
    with_a_migration = _migrations_key(base)
    assert with_a_migration != key
    (packages / "wagtail-8.0.1.dist-info").rename(packages / "wagtail-8.0.2.dist-info")
    assert _migrations_key(base) not in (key, with_a_migration)


def test_the_key_ignores_what_appears_beside_the_installed_packages(project):
    """A venv installed without bytecode (uv) gets `__pycache__` folders on its first import:
    the next run must find the database the first one migrated."""
    base, packages = project
    key = _migrations_key(base)
    (packages / "__pycache__").mkdir()
    (packages / "__pycache__" / "six.cpython-311.pyc").write_bytes(b"")
    (packages / "six.py").write_text("")
    (base / "var").mkdir()
    (base / "var" / "entraide.sqlite3").write_bytes(b"")
    assert _migrations_key(base) == key


def test_the_same_code_in_another_checkout_has_the_same_key(project, tmp_path):
    base, _ = project
    clone = tmp_path / "clone"
    (clone / "app" / "migrations").mkdir(parents=True)
    (clone / "app" / "migrations" / "0001_initial.py").write_text("operations = []\n")
    assert _migrations_key(clone) == _migrations_key(base)


def test_the_cache_is_in_the_users_cache_folder_or_where_the_environment_says(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("ENTRAIDE_TEST_DB_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _test_db_cache("sqlite") == tmp_path / "xdg" / "entraide" / "test-db" / "sqlite"
    monkeypatch.setenv("ENTRAIDE_TEST_DB_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert _test_db_cache("postgresql") == tmp_path / "elsewhere" / "postgresql"
    assert (tmp_path / "elsewhere" / "postgresql").is_dir()


def test_pruning_keeps_the_entries_used_last_whole(tmp_path):
    entries = [f"key{number}" for number in range(_CACHE_ENTRIES_KEPT + 2)]
    for age, stem in enumerate(reversed(entries)):
        for suffix in (".sqlite3", ".json"):
            path = tmp_path / f"{stem}{suffix}"
            path.write_text(stem)
            os.utime(path, (1_000_000 + age, 1_000_000 + age))
    (tmp_path / "lock").write_text("")
    # The oldest entry was just used: it stays, and the two next oldest go.
    os.utime(tmp_path / f"{entries[-1]}.json")

    _prune_test_db_cache(tmp_path)

    kept = sorted(path.name for path in tmp_path.iterdir())
    expected = [entries[-1], *entries[: _CACHE_ENTRIES_KEPT - 1]]
    assert kept == sorted(
        ["lock", *(f"{stem}{suffix}" for stem in expected for suffix in (".json", ".sqlite3"))]
    )

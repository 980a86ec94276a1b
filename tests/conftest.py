"""Shared fixtures: callables that build objects from keyword arguments."""

import json
import sqlite3

import pytest
from django.conf import settings
from django.utils import translation
from pytest_django.plugin import blocking_manager_key

from tests import factories


@pytest.fixture(autouse=True)
def _nothing_carried_to_the_next_test():
    """What a test leaves behind outside the database, put back after it, so that no result
    depends on which test ran before on the same worker:
    - the language: Django's locale middleware leaves the last request's one active;
    - the cache: rate-limit counters are keyed by account id, and a rolled-back SQLite
      database hands the same ids to the next test's accounts (a new member then found the
      previous test's posts counted against their hourly budget: 429)."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
    _clear_caches()


@pytest.fixture
def make_user(db):
    """`make_user(roles=["Modérateurs"], approved_at=None, email=...)`."""
    return factories.UserFactory


@pytest.fixture
def member(make_user):
    return make_user()


@pytest.fixture
def moderator(make_user):
    return make_user(roles=["Modérateurs"])


@pytest.fixture
def editor(make_user):
    return make_user(roles=["Éditeurs"])


@pytest.fixture
def expert(make_user):
    return make_user(roles=["Experts"])


@pytest.fixture
def pending_user(make_user):
    return make_user(approved_at=None)


@pytest.fixture
def make_topic(db):
    return factories.TopicFactory


@pytest.fixture
def make_structure(db):
    return factories.StructureFactory


@pytest.fixture
def make_person(db):
    return factories.PersonFactory


@pytest.fixture
def make_position(db):
    return factories.PositionFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, plus (SQLite) a snapshot of the migrated one.

    Before each `serialized_rollback` test the snapshot is copied back (SQLite's backup API,
    milliseconds) instead of Django reloading the serialized copy object by object (about a
    second per test, ×140 browser journeys and drills). PostgreSQL keeps Django's reload.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            connection.ensure_connection()
            snapshot = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(snapshot)
            _SQLITE_SNAPSHOT["default"] = snapshot
    yield
    for snapshot in _SQLITE_SNAPSHOT.values():
        snapshot.close()
    _SQLITE_SNAPSHOT.clear()


_SQLITE_SNAPSHOT: dict[str, sqlite3.Connection] = {}


def _restore_sqlite_snapshot(connection, snapshot) -> None:
    """Copy the migrated database back; AUTOINCREMENT counters keep counting, as after a flush
    (ids are not reused from one test to the next, whatever the search index remembers)."""
    connection.ensure_connection()
    with connection.connection:
        counters = dict(connection.connection.execute("SELECT name, seq FROM sqlite_sequence"))
    snapshot.backup(connection.connection)
    with connection.connection as db:
        for table, seq in counters.items():
            updated = db.execute(
                "UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?",
                (seq, table, seq),
            ).rowcount
            if (
                not updated
                and not db.execute(
                    "SELECT 1 FROM sqlite_sequence WHERE name = ?", (table,)
                ).fetchone()
            ):
                db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, seq))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item):
    """Give every `serialized_rollback` test the clean database it expects.

    pytest-django runs transactional tests last. One declared `transaction=True` without
    `serialized_rollback` ends with a flush that re-runs post-migrate: content types come back
    under new ids (and data-migration rows vanish), so reloading the serialized database for
    the next `serialized_rollback` test (e2e journeys, reliability drills) fails on duplicate
    content types. Emptying the tables first lets that reload succeed whatever ran before.
    On SQLite the snapshot of the migrated database is copied back instead, and pytest-django
    is handed an empty serialized copy for this setup only (the real one is put back after:
    the accessibility audit reloads it itself).
    Only once the test database exists (it holds the serialized copy), never on a real one.
    """
    from django.db import connection

    marker = item.get_closest_marker("django_db")
    contents = getattr(connection, "_test_serialized_contents", None)
    if not (marker and marker.kwargs.get("serialized_rollback") and contents):
        return (yield)
    snapshot = _SQLITE_SNAPSHOT.get(connection.alias)
    with item.config.stash[blocking_manager_key].unblock():
        if snapshot is None:
            _empty_keeping_content_types(connection, contents)
        else:
            _restore_sqlite_snapshot(connection, snapshot)
    _clear_caches()
    if snapshot is None:
        return (yield)
    # Nothing left for pytest-django to reload: the snapshot holds the migrated data.
    swapped = [connection]
    connection._test_serialized_contents = "[]"
    try:
        return (yield)
    finally:
        # The browser fixture may have started during this setup: Django then hands out new
        # connection objects (tests/e2e/conftest.py), which get the real copy back too.
        from django.db import connections

        swapped.append(connections[swapped[0].alias])
        for each in swapped:
            each._test_serialized_contents = contents


def _empty_keeping_content_types(connection, contents: str) -> None:
    """Flush, then put the content types back under their serialized ids: signal handlers that
    look a content type up while pytest-django reloads the rest must find these rows, not
    create new ones."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command

    # Sequences keep counting (as Django's own teardown flush does): the reload inserts rows
    # under their old ids without moving PostgreSQL's sequences.
    call_command(
        "flush", interactive=False, verbosity=0, inhibit_post_migrate=True, reset_sequences=False
    )
    rows = [
        ContentType(pk=entry["pk"], **entry["fields"])
        for entry in json.loads(contents)
        if entry["model"] == "contenttypes.contenttype"
    ]
    ContentType.objects.bulk_create(rows)
    ContentType.objects.clear_cache()


def _clear_caches() -> None:
    """What the caches remember belongs to the database that was just replaced."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()

"""Shared fixtures: callables that build objects from keyword arguments."""

import fcntl
import gc
import hashlib
import os
import sqlite3
import sys
import sysconfig
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, transaction
from django.template import Template
from django.test import TransactionTestCase
from django.test.utils import instrumented_test_render
from django.utils import translation
from pytest_django.plugin import blocking_manager_key
from wagtail.models import Site

from tests import factories


def pytest_configure(config):
    """Python's cyclic garbage collector, tuned for a test process: a young-generation
    collection every 50,000 allocations instead of 700, and the objects alive once the tests
    are collected (Django, Wagtail, the test modules: over a million) frozen out of the
    collector's sight, so that older-generation collections no longer walk them again and
    again. Nothing a test checks depends on when cycles are freed (an explicit `gc.collect()`
    still frees them); measured on four `tests/qa` files, `-n 0`: about 13 % less CPU
    (docs/architecture.md, « Test suite times »)."""
    gc.set_threshold(50_000, 50, 1000)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """With several xdist workers:
    - the tests marked `long` lead their group (`long_tests_first_in_their_group`);
    - every worker but the first starts on the tests that need no database, while the first
      migrates the test database that all of them copy (`django_db_modify_db_settings`): 30 to
      40 s of `migrate` on a fresh checkout, during which the others used to wait for its lock.
    pytest-django's order (database tests, then transactional ones, then the rest) is kept
    otherwise."""
    workers = getattr(config, "workerinput", {}).get("workercount", 0)
    if workers > 1:
        items[:] = long_tests_first_in_their_group(
            items,
            group=lambda item: _PYTEST_DJANGO_GROUPS[_database_use(item)],
            is_long=lambda item: item.get_closest_marker("long") is not None,
        )
        items[:] = database_free_tests_where_workers_start(
            items, workers, needs_database=lambda item: _database_use(item) is not None
        )


# pytest-django's order: database tests, then transactional ones, then those that need none.
_PYTEST_DJANGO_GROUPS = {"db": 0, "transactional": 1, None: 2}


def long_tests_first_in_their_group(items, *, group, is_long):
    """`items` with the tests marked `long` moved to the front of their group, the order kept
    otherwise. A worker that picks a long test up last keeps the run going alone: the browser
    journeys come last in pytest-django's order, the longest of them (the XSS ones, 20 to 50 s)
    last of all alphabetically, and the other worker sat idle for most of a minute. Moved
    forward, they run while the other worker still has work, and the tail is short tests,
    which `worksteal` shares out."""
    return sorted(items, key=lambda item: (group(item), not is_long(item)))


def database_free_tests_where_workers_start(items, workers, *, needs_database):
    """`items` reordered so that each worker's first share, as xdist's `worksteal` deals the
    collection out (share k: what is left divided by the workers left), starts with a slice of
    the tests that need no database, for every worker but the first; each group keeps its
    order, so a module's tests stay together."""
    with_database = [item for item in items if needs_database(item)]
    database_free = [item for item in items if not needs_database(item)]
    ordered, left = [], len(items)
    for worker in range(workers):
        share = left // (workers - worker)
        left -= share
        if worker:
            taken = len(database_free) // (workers - worker)
            ordered += database_free[:taken]
            del database_free[:taken]
            share = max(share - taken, 0)
        ordered += with_database[:share]
        del with_database[:share]
    return ordered + with_database + database_free


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()


# Django's own template rendering, before its test set-up replaces it (`django_test_environment`).
_PLAIN_TEMPLATE_RENDER = Template._render


@pytest.fixture(scope="session", autouse=True)
def _templates_rendered_without_recording(django_test_environment):
    """Django's test set-up makes every template render send a signal, on which the test client
    keeps the template and a copy of its context (`response.context`, `response.templates`):
    for every include and every form field's widget template, 4 to 7 % of a page's render
    (docs/architecture.md, « Test suite times »). Few tests read them: those ask for
    `rendered_context`; the others render as the site does."""
    assert _PLAIN_TEMPLATE_RENDER is not instrumented_test_render
    Template._render = _PLAIN_TEMPLATE_RENDER
    yield
    Template._render = instrumented_test_render


@pytest.fixture
def rendered_context():
    """Record the templates each request renders and their context, as Django's test set-up
    does by default: `response.context["form"]`, `response.templates`."""
    Template._render = instrumented_test_render
    yield
    Template._render = _PLAIN_TEMPLATE_RENDER


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
def django_db_modify_db_settings(django_db_modify_db_settings):
    """The migrated test database is made once, by the first worker that needs it, and copied
    by the others and by later runs, in this checkout or another (`_test_db_cache`): on SQLite
    from a file kept there (`_migrated_database_from_cache`), on PostgreSQL from a template
    database (`_migrated_database_from_template`). ENTRAIDE_TEST_DB_CACHE=0 migrates in every
    worker."""
    from django.db import connection

    if os.environ.get("ENTRAIDE_TEST_DB_CACHE", "1") == "0":
        return
    if connection.vendor == "sqlite":
        _migrated_database_from_cache(connection)
    elif connection.vendor == "postgresql":
        _migrated_database_from_template(connection)


# Whatever `migrate` reads: the migrations, the code they import, the settings, the installed
# packages and their versions. Anything else changing leaves the migrated database as it was.
_CACHE_KEY_PARTS = ("requirements.lock", "pyproject.toml", "tests/settings.py")
_CACHE_KEY_SKIPPED = {".venv", "var", "tests", "node_modules", ".git", "static", "locale"}
# Migrated databases kept, whichever checkouts made them (`_prune_test_db_cache`).
_CACHE_ENTRIES_KEPT = 4


def _migrations_key(base: Path) -> str:
    digest = hashlib.sha256(f"{sys.version} {sqlite3.sqlite_version}".encode())
    # Each installed package's name and version are in its `.dist-info` folder's name; nothing
    # else there counts (a `__pycache__` appears there on the first import after an install).
    for folder in sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}):
        installed = sorted(name for name in os.listdir(folder) if name.endswith(".dist-info"))
        digest.update("\n".join(installed).encode())
    paths = [base / part for part in _CACHE_KEY_PARTS]
    for root, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in _CACHE_KEY_SKIPPED and d != "__pycache__")
        paths.extend(Path(root) / name for name in sorted(files) if name.endswith(".py"))
    for path in paths:
        digest.update(str(path.relative_to(base)).encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()[:20]


def _test_db_cache(vendor: str) -> Path:
    """The folder of migrated test databases, shared by every checkout on this machine, as
    pip's and uv's caches are: a fresh clone, or a checkout after `make clean`, copies the
    database that a run of the same code migrated anywhere else (each entry is named by
    `_migrations_key`, a hash of all that `migrate` reads). `ENTRAIDE_TEST_DB_CACHE_DIR` moves
    it; by default it is `entraide/test-db` in the user's cache folder (XDG), one subfolder
    per database engine."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    default = Path(cache_home) / "entraide" / "test-db"
    folder = Path(os.environ.get("ENTRAIDE_TEST_DB_CACHE_DIR") or default) / vendor
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _prune_test_db_cache(folder: Path) -> None:
    """Keep the entries used last (`_CACHE_ENTRIES_KEPT`): checkouts of different code share the
    folder, and each would otherwise migrate again after the other's run. Called when an entry
    is added, under the lock of the engine's cache; a hit marks its entry used (`_mark_used`)."""
    entries: dict[str, list[Path]] = {}
    for path in folder.iterdir():
        if path.suffix in (".sqlite3", ".json", ".partial"):
            entries.setdefault(path.stem, []).append(path)

    def last_used(stem: str) -> float:
        return max(path.stat().st_mtime for path in entries[stem])

    for stem in sorted(entries, key=last_used, reverse=True)[_CACHE_ENTRIES_KEPT:]:
        for path in entries[stem]:
            path.unlink(missing_ok=True)


def _mark_used(*paths: Path) -> None:
    for path in paths:
        os.utime(path)


def _migrated_database_from_cache(connection) -> None:
    """Run `migrate` once per change of what it reads, not once per worker and run.

    The first worker to set up its in-memory test database holds a lock, migrates as Django
    does, and saves the database (SQLite's backup API) and its serialized copy in
    `_test_db_cache`, named by a hash of every Python file outside tests/, the settings and
    the installed package versions (`_migrations_key`); the other workers, and later runs,
    wait for the lock and copy the file in (about 0.1 s instead of 40 s of CPU). Set
    ENTRAIDE_TEST_DB_CACHE=0 to migrate in every worker as before.
    """
    creation = connection.creation
    if not creation.is_in_memory_db(creation._get_test_db_name()):
        return
    folder = _test_db_cache("sqlite")
    key = _migrations_key(Path(settings.BASE_DIR))
    database, serialized = folder / f"{key}.sqlite3", folder / f"{key}.json"
    create_test_db, serialize_db = creation.create_test_db, creation.serialize_db_to_string
    saved: dict[str, str] = {}

    def cached_create_test_db(verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        with open(folder / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (database.exists() and serialized.exists()):
                name = create_test_db(verbosity, autoclobber, serialize, keepdb)
                saved["contents"] = serialize_db()
                partial = folder / f"{key}.partial"
                partial.unlink(missing_ok=True)
                with closing(sqlite3.connect(partial)) as copy:
                    connection.connection.backup(copy)
                partial.rename(database)
                serialized.write_text(saved["contents"])
                _prune_test_db_cache(folder)
                return name
            _mark_used(database, serialized)
            name = creation._get_test_db_name()
            creation._create_test_db(verbosity, autoclobber, keepdb)
            _use_test_database(connection, name)
            with closing(sqlite3.connect(database)) as copy:
                copy.backup(connection.connection)
            saved["contents"] = serialized.read_text()
            return name

    _replace_creation(connection, cached_create_test_db, saved)


def _use_test_database(connection, name: str) -> None:
    """Point the connection and the settings at the test database `name`, as Django's own
    `create_test_db` does once it has made it."""
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()


def _replace_creation(connection, create_test_db, saved: dict[str, str]) -> None:
    """Django's creation of the test database replaced by `create_test_db`, and its
    serialization by the copy `create_test_db` saved: both once, then Django's own again."""

    def cached_serialization():
        _uncache(connection)
        return saved["contents"]

    connection.creation.create_test_db = create_test_db
    connection.creation.serialize_db_to_string = cached_serialization


def _migrated_database_from_template(connection) -> None:
    """PostgreSQL: run `migrate` once per change of what it reads, not once per worker and run.

    The first worker migrates its test database as Django does, then copies it into a template
    database and saves the serialized copy in `_test_db_cache`; the other workers, and later
    runs from any checkout, create their test database from the template (`CREATE DATABASE …
    TEMPLATE`: a second instead of about a minute of `migrate` per worker). The template's name
    comes from the same key as the SQLite file, the role and the database name (a role can
    only copy its own databases); an advisory lock on that name, not a file lock, since two
    checkouts may share the server. Older templates of the role are dropped when a new one is
    made. With `--reuse-db` (keepdb) pytest-django's own path is left alone.
    """
    creation = connection.creation
    folder = _test_db_cache("postgresql")
    owner = f"{connection.settings_dict['USER']} {connection.settings_dict['NAME']}"
    key = hashlib.sha256(f"{_migrations_key(Path(settings.BASE_DIR))} {owner}".encode())
    template = f"entraide_test_template_{key.hexdigest()[:20]}"
    lock = int(key.hexdigest()[:15], 16)
    serialized = folder / f"{template}.json"
    create_test_db, serialize_db = creation.create_test_db, creation.serialize_db_to_string
    quote = connection.ops.quote_name
    saved: dict[str, str] = {}

    def templated_create_test_db(verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        if keepdb:
            _uncache(connection)
            return create_test_db(verbosity, autoclobber, serialize, keepdb)
        name = creation._get_test_db_name()
        with creation._nodb_cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [lock])
            try:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
                if cursor.fetchone() and serialized.exists():
                    cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
                    cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")
                    saved["contents"] = serialized.read_text()
                    _mark_used(serialized)
                else:
                    create_test_db(verbosity, autoclobber, False, keepdb)
                    saved["contents"] = serialize_db()
                    connection.close()
                    _drop_templates_of_this_role(cursor, quote)
                    cursor.execute(f"CREATE DATABASE {quote(template)} TEMPLATE {quote(name)}")
                    serialized.write_text(saved["contents"])
                    _prune_test_db_cache(folder)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock])
        _use_test_database(connection, name)
        if serialize:
            connection._test_serialized_contents = saved["contents"]
        return name

    _replace_creation(connection, templated_create_test_db, saved)


def _drop_templates_of_this_role(cursor, quote) -> None:
    """The templates this role made for earlier states of the code (or this one's, when its
    serialized copy is missing); one that another run is copying right now is left for later."""
    cursor.execute(
        "SELECT datname FROM pg_database WHERE starts_with(datname, 'entraide_test_template_')"
        " AND pg_get_userbyid(datdba) = current_user"
    )
    for (stale,) in cursor.fetchall():
        try:
            cursor.execute(f"DROP DATABASE {quote(stale)}")
        except DatabaseError:
            continue


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, plus a snapshot of the migrated one.

    Before each `serialized_rollback` test the snapshot is copied back instead of Django
    reloading the serialized copy object by object (0.8 s per test on PostgreSQL on a quiet
    machine, more under load, ×160 browser journeys and drills). SQLite: the backup API, in
    milliseconds. PostgreSQL: a copy of every table in a schema of its own, 0.05 s.
    """
    from django.db import connection

    _uncache(connection)
    with django_db_blocker.unblock():
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            connection.ensure_connection()
            snapshot = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(snapshot)
            _SNAPSHOTS[connection.alias] = lambda: _restore_sqlite_snapshot(connection, snapshot)
            _CLOSE_AT_EXIT.append(snapshot.close)
        elif connection.vendor == "postgresql":
            restore = _postgresql_snapshot(connection)
            _SNAPSHOTS[connection.alias] = restore
    flush = TransactionTestCase._fixture_teardown
    TransactionTestCase._fixture_teardown = _snapshot_instead_of_flush(flush)
    yield
    TransactionTestCase._fixture_teardown = flush
    for close in _CLOSE_AT_EXIT:
        close()
    _CLOSE_AT_EXIT.clear()
    _SNAPSHOTS.clear()


def _snapshot_instead_of_flush(flush):
    """A transactional test ends with the snapshot of the migrated database copied back, not
    with Django's flush.

    The flush empties every table (TRUNCATE on PostgreSQL), then post-migrate rebuilds the
    content types and permissions, and the next database test on the worker copies the
    snapshot back anyway (`pytest_runtest_setup`): 1.0 to 1.2 s per test on PostgreSQL, about
    0.2 s on SQLite, against 0.05 s and a few milliseconds for the copy. The database is left
    as the migrations made it, which is what every test expects to start from. Databases
    without a snapshot (`--reuse-db`, `ENTRAIDE_TEST_DB_CACHE=0` on a file database) are
    flushed as before."""

    def _fixture_teardown(self):
        aliases = self._databases_names(include_mirrors=False)
        if not all(alias in _SNAPSHOTS for alias in aliases):
            return flush(self)
        for alias in aliases:
            _SNAPSHOTS[alias]()
        _clear_caches()

    return _fixture_teardown


def _uncache(connection) -> None:
    """Once the test database is set up, the tests' own calls migrate and serialize for real."""
    for name in ("create_test_db", "serialize_db_to_string"):
        connection.creation.__dict__.pop(name, None)


_SNAPSHOTS: dict[str, Callable[[], None]] = {}
_CLOSE_AT_EXIT: list[Callable[[], None]] = []
_PG_SNAPSHOT_SCHEMA = "test_snapshot"


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


def _postgresql_snapshot(connection) -> Callable[[], None]:
    """Copy every table Django flushes into a schema of its own; return the restore.

    The restore empties those tables and copies the rows back in one transaction: the foreign
    keys Django creates are deferred to the commit, so the order does not matter. DELETE, not
    TRUNCATE: on a few rows per table it takes 0.05 s where TRUNCATE takes 0.4 s. Generated
    columns are left to the database. Sequences are not touched, so ids keep counting, as after
    a flush. Every name in the SQL comes from the database's own catalogue, quoted.
    """
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    quote = connection.ops.quote_name
    schema = quote(_PG_SNAPSHOT_SCHEMA)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND is_generated = 'NEVER'"
            " ORDER BY table_name, ordinal_position"
        )
        columns: dict[str, list[str]] = {}
        for table, column in cursor.fetchall():
            columns.setdefault(table, []).append(quote(column))
        copies = []
        for table in tables:
            live, saved = quote(table), f"{schema}.{quote(table)}"
            cursor.execute(f"CREATE TABLE {saved} AS TABLE {live}")
            listed = ", ".join(columns[table])
            copies.append(f"INSERT INTO {live} ({listed}) SELECT {listed} FROM {saved}")  # noqa: S608
    emptying = [f"DELETE FROM {quote(table)}" for table in tables]  # noqa: S608
    statements = "; ".join([*emptying, *copies])

    def restore() -> None:
        connection.ensure_connection()
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(statements)

    return restore


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item):
    """Give every database test the migrated database it expects, whatever ran before it.

    pytest-django runs transactional tests last. Each ends with the snapshot of the migrated
    database copied back (`_snapshot_instead_of_flush`), but a database may still be found
    flushed: by Django's own flush where there is no snapshot, or by a test's own call, which
    empties it and re-runs post-migrate (content types come back under new ids, data-migration
    rows vanish). Two kinds of test need the snapshot copied back (`_SNAPSHOTS`):
    - a `serialized_rollback` test (e2e journeys, reliability drills), always: Django's reload
      of the serialized copy would fail on duplicate content types. pytest-django is handed an
      empty serialized copy for this setup only (the real one is put back after: the
      accessibility audit reloads it itself);
    - any other database test that finds the database flushed: after a transactional test on
      this worker, the data migrations' site row is looked for. xdist's `worksteal` (the
      Makefile's) lets an idle worker take tests from another's queue, so a worker can meet a
      plain database test after its transactional ones. (A transactional test that keeps its
      data, as the accessibility audit's module does, leaves the site row: nothing is copied.)
    Only on the test database (`_SNAPSHOTS` is filled once it is set up), never on a real one.
    """
    from django.db import connection

    marker = item.get_closest_marker("django_db")
    contents = getattr(connection, "_test_serialized_contents", None)
    restore = _SNAPSHOTS.get(connection.alias)
    serialized = bool(marker and marker.kwargs.get("serialized_rollback") and contents)
    blocker = item.config.stash[blocking_manager_key]
    after_flush = False
    if restore and not serialized and _FLUSHED.get(connection.alias):
        if _database_use(item) is None:
            return (yield)
        with blocker.unblock():
            after_flush = not Site.objects.exists()
        _FLUSHED[connection.alias] = after_flush
    if not (restore and (serialized or after_flush)):
        return (yield)
    with blocker.unblock():
        restore()
    _FLUSHED[connection.alias] = False
    _clear_caches()
    if not serialized:
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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test may have left the database flushed: the next database test on this
    worker looks (`pytest_runtest_setup`)."""
    try:
        return (yield)
    finally:
        if _database_use(item) == "transactional":
            from django.db import connection

            _FLUSHED[connection.alias] = True


_FLUSHED: dict[str, bool] = {}


def _database_use(item) -> str | None:
    """How the test uses the database ("transactional", "db" or None), by pytest-django's own
    rule for ordering the tests (`pytest_django.plugin.pytest_collection_modifyitems`), which
    it does not export."""
    from django.test import TestCase, TransactionTestCase

    test_class = getattr(item, "cls", None)
    if test_class and issubclass(test_class, TransactionTestCase):
        return "db" if issubclass(test_class, TestCase) else "transactional"
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    if (
        (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    ):
        return "transactional"
    return "db" if marker or "db" in fixtures else None


def _clear_caches() -> None:
    """What the caches remember belongs to the database that was just replaced."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()

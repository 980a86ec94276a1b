"""Helpers for tests where threads race on the database, as concurrent requests would.

Django's SQLite test database lives in memory with a shared cache, where concurrent writers
fail at once instead of waiting; production uses a file in WAL mode with a busy timeout and
immediate transactions. On SQLite, `file_database()` therefore copies the migrated test
database into a temporary file and points the connection at it; PostgreSQL runs as is.
"""

import contextlib
import sqlite3
import tempfile
import threading
from pathlib import Path

from django.db import connection, connections


def in_thread(function, *args):
    """Run on a fresh connection (a new thread), as another request would."""
    result, errors = [], []

    def worker():
        try:
            result.append(function(*args))
        except Exception as error:  # noqa: BLE001 — re-raised below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


@contextlib.contextmanager
def file_database():
    """Every step inside (setup, racing threads, checks) runs on a database that can wait."""
    if connection.vendor != "sqlite":
        yield
        return
    settings_dict = connections.settings["default"]
    saved = settings_dict["NAME"]
    with tempfile.TemporaryDirectory(prefix="entraide-race-") as folder:
        path = str(Path(folder) / "race.sqlite3")
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        settings_dict["NAME"] = path
        try:
            yield
        finally:
            settings_dict["NAME"] = saved


def race(target, args_list):
    """Start one thread per argument tuple at the same instant; fail on any error."""
    barrier = threading.Barrier(len(args_list))
    errors = []

    def worker(*args):
        try:
            barrier.wait()
            target(*args)
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], [repr(error) for error in errors]

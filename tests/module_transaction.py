"""Data built once per test module, shared by its tests and rolled back at its end."""

import contextlib

from django.db import transaction


@contextlib.contextmanager
def module_transaction(django_db_blocker):
    """For a module-scoped fixture: what is built inside lives in a transaction rolled back at
    the module's end, and each test runs inside it in a savepoint of its own (pytest-django's
    `django_db`), so every test starts from the same state."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

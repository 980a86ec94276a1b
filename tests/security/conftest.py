"""The security tests' shared world (tests/security/world.py), built once per module."""

import pytest

from tests.module_transaction import module_transaction
from tests.security.world import build_world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """The world, built once for the module inside a transaction rolled back at its end; each
    test runs inside it in a savepoint of its own (pytest-django's `django_db`)."""
    with module_transaction(django_db_blocker):
        yield build_world()

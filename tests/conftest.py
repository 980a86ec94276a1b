"""Shared fixtures: callables that build objects from keyword arguments."""

import json

import pytest

from tests import factories


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


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Give every `serialized_rollback` test the clean database it expects.

    pytest-django runs transactional tests last. One declared `transaction=True` without
    `serialized_rollback` ends with a flush that re-runs post-migrate: content types come back
    under new ids (and data-migration rows vanish), so reloading the serialized database for
    the next `serialized_rollback` test (e2e journeys, reliability drills) fails on duplicate
    content types. Emptying the tables first lets that reload succeed whatever ran before.
    Only once the test database exists (it holds the serialized copy), never on a real one.
    """
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    marker = item.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("serialized_rollback")):
        return
    if not getattr(connection, "_test_serialized_contents", None):
        return
    with item.config.stash[blocking_manager_key].unblock():
        # Sequences keep counting (as Django's own teardown flush does): the reload below
        # inserts rows under their old ids without moving PostgreSQL's sequences.
        call_command(
            "flush",
            interactive=False,
            verbosity=0,
            inhibit_post_migrate=True,
            reset_sequences=False,
        )
        # Content types first, under their serialized ids: signal handlers that look a content
        # type up while the rest reloads must find these rows, not create new ones.
        rows = [
            ContentType(pk=entry["pk"], **entry["fields"])
            for entry in json.loads(connection._test_serialized_contents)
            if entry["model"] == "contenttypes.contenttype"
        ]
        ContentType.objects.bulk_create(rows)
        ContentType.objects.clear_cache()
    # What the caches remember belongs to the database that was just emptied.
    for alias in settings.CACHES:
        caches[alias].clear()

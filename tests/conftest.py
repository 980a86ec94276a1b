"""Shared fixtures: callables that build objects from keyword arguments."""

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

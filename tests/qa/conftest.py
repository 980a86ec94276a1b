"""Q&A fixtures: callables building posts through the services (as the site does)."""

import pytest

from qa import services
from tests import factories


@pytest.fixture
def topic(make_topic):
    return make_topic(name="Commande publique", slug="commande-publique")


@pytest.fixture
def other_topic(make_topic):
    return make_topic(name="Petite enfance", slug="petite-enfance")


@pytest.fixture
def make_question(db, make_user, topic):
    def build(
        *,
        author=None,
        title="Comment monter un groupement de commandes ?",
        body=None,
        topics=None,
        kind="question",
        **extra,
    ):
        return services.question_create(
            author=author or make_user(),
            title=title,
            body=body or "Nous voudrions acheter du sel de déneigement à plusieurs communes.",
            topics=topics or [topic],
            kind=kind,
            **extra,
        )

    return build


@pytest.fixture
def make_answer(db, make_user):
    def build(*, question, author=None, body="Voyez la convention constitutive type."):
        return services.answer_create(question=question, author=author or make_user(), body=body)

    return build


@pytest.fixture
def make_comment(db, make_user):
    def build(*, post, author=None, body="Merci, très utile."):
        return services.comment_create(post=post, author=author or make_user(), body=body)

    return build


@pytest.fixture
def question(make_question, member):
    return make_question(author=member)


@pytest.fixture
def make_topic_expert(db):
    """`make_topic_expert(topic, **user_fields)`: see `tests.factories.topic_expert`."""
    return factories.topic_expert

"""Helpers for notification tests: Q&A actions whose on-commit signals really fire."""

import pytest

from directory.models import InterestKind, TopicInterest
from qa import services as qa_services


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the on-commit callbacks (signals, e-mail queueing)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def ask(committed, make_topic):
    """`ask(author, topics=[...], title=..., **extra)` posts a question through the Q&A service."""

    def _ask(author, *, topics=None, title="Comment mutualiser la commande publique ?", **extra):
        with committed():
            return qa_services.question_create(
                author=author,
                title=title,
                body="Nous cherchons un groupement de commandes pour le déneigement.",
                topics=topics or [make_topic()],
                **extra,
            )

    return _ask


@pytest.fixture
def answer(committed):
    def _answer(author, question, body="Voici comment nous avons fait à la CC."):
        with committed():
            return qa_services.answer_create(question=question, author=author, body=body)

    return _answer


@pytest.fixture
def follow_topic():
    def _follow(user, topic):
        return qa_services.topic_follow(user=user, topic=topic)

    return _follow


@pytest.fixture
def make_expert(make_user, make_person):
    """`make_expert(topic, structure=None)`: an approved expert account with a directory entry."""

    def _make(topic, *, structure=None, **user_fields):
        from tests.factories import PositionFactory

        user = make_user(roles=["Experts"], **user_fields)
        person = make_person(user=user, first_name=user.first_name, last_name=user.last_name)
        TopicInterest.objects.create(person=person, topic=topic, kind=InterestKind.EXPERTISE)
        if structure is not None:
            PositionFactory(person=person, structure=structure, function="Chargée de mission")
        return user

    return _make


# The CMS tests' page-tree fixtures (regulatory watch index, published updates).
from tests.website.pages.conftest import home, make_update, regulatory_index  # noqa: E402, F401

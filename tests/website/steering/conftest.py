"""Fixtures for the coordinator's dashboard: a coordinator, questions of a given age,
experts of a topic."""

from datetime import timedelta

import pytest
from django.utils import timezone

from directory.models import InterestKind, TopicInterest
from qa import services as qa_services
from qa.models import Question


@pytest.fixture
def coordinator(make_user):
    return make_user(roles=["Coordinateurs"])


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def ask(committed, make_topic):
    """`ask(author, topics=[...], days_ago=0, structure=None)`: a question through the service,
    its on-commit signals run (routing to experts), then dated `days_ago` (and, when given,
    its asker's structure set afterwards: the first routing did not know it)."""

    def _ask(author, *, topics=None, days_ago=0, structure=None, title=None):
        with committed():
            question = qa_services.question_create(
                author=author,
                title=title or "Comment mutualiser le déneigement ?",
                body="Nous cherchons un groupement de commandes pour le sel.",
                topics=topics or [make_topic()],
            )
        created = timezone.now() - timedelta(days=days_ago)
        fields = {"created_at": created}
        if structure is not None:
            fields["author_structure"] = structure
        Question.objects.filter(pk=question.pk).update(**fields)
        question.refresh_from_db()
        return question

    return _ask


@pytest.fixture
def make_expert(make_user, make_person):
    """`make_expert(topic, structure=None)`: an expert account with a recognised expertise."""

    def _make(topic, *, structure=None, **user_fields):
        from tests.factories import PositionFactory

        user = make_user(roles=["Experts"], **user_fields)
        person = make_person(user=user, first_name=user.first_name, last_name=user.last_name)
        TopicInterest.objects.create(
            person=person, topic=topic, kind=InterestKind.EXPERTISE, is_confirmed=True
        )
        if structure is not None:
            PositionFactory(person=person, structure=structure, function="Chargée de mission")
        return user

    return _make

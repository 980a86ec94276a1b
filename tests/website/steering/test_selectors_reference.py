"""The dashboard's materialised figures (open questions by topic and by territory, delays,
commune activity: `website/steering/aggregates.py`, stored by the shared needs' refresh and read
by the selectors) equal, on a small varied data set, what the live selectors computed before
issue 19 (« Speed »), kept verbatim in `live_reference.py`; and neither the refresh's nor the
selectors' query counts grow with the data."""

from dataclasses import asdict
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory.models import StructureKind
from qa.models import Answer, Question, QuestionKind
from tests.factories import PositionFactory, TopicFactory
from tests.website.steering import live_reference
from website.needs import refresh
from website.steering import aggregates, selectors

pytestmark = pytest.mark.django_db


def _answer(question, author, *, hours, deleted=False):
    answer = Answer.objects.create(question=question, author=author, body="Voici.")
    fields = {"created_at": question.created_at + timedelta(hours=hours)}
    if deleted:
        fields["deleted_at"] = timezone.now()
    Answer.objects.filter(pk=answer.pk).update(**fields)
    answer.refresh_from_db()
    return answer


def _question(author, *, days_ago, structure=None, kind=QuestionKind.QUESTION, deleted=False):
    question = Question.objects.create(
        author=author, title=f"Question {days_ago}", body="Voici le problème.", kind=kind
    )
    fields = {
        "created_at": timezone.now() - timedelta(days=days_ago, hours=days_ago % 7),
        "author_structure": structure,
    }
    if deleted:
        fields["deleted_at"] = timezone.now()
    Question.objects.filter(pk=question.pk).update(**fields)
    question.refresh_from_db()
    return question


def _world(make_user, make_structure, make_person, *, size=1, prefix=""):
    """Communes in a CC, a syndicate, people with current, ended and doubled positions,
    questions over 18 months (deleted, discussions, without structure), answers early, late,
    deleted, accepted, before their question, and from people without any position."""
    cc = make_structure(name=f"{prefix}CC du Verdon", kind=StructureKind.CC)
    communes = [make_structure(name=f"{prefix}Commune {i}", parent=cc) for i in range(5)]
    syndicate = make_structure(name=f"{prefix}Syndicat", kind=StructureKind.SYNDICATE)
    users = [make_user() for _ in range(6)]
    yesterday = timezone.localdate() - timedelta(days=1)
    PositionFactory(person=make_person(user=users[0]), structure=communes[0])
    PositionFactory(person=users[0].person, structure=communes[1])
    PositionFactory(person=make_person(user=users[1]), structure=communes[1], end_date=yesterday)
    PositionFactory(
        person=make_person(user=users[2]), structure=communes[2], end_date=timezone.localdate()
    )
    person = make_person(user=users[3])
    PositionFactory(person=person, structure=communes[0], function="Maire")
    PositionFactory(person=person, structure=communes[0], function="Secrétaire")
    PositionFactory(person=make_person(user=users[4]), structure=syndicate)
    PositionFactory(person=make_person(), structure=communes[3])
    places = [*communes[:3], syndicate, None, communes[4]]
    topics = [TopicFactory(name=f"{prefix}{name}") for name in ("Voirie", "Eau", "École", "Bois")]
    for round_ in range(size):
        for i, days_ago in enumerate([0, 3, 12, 33, 45, 70, 95, 130, 180, 240, 300, 350, 420, 540]):
            asker = users[(i + round_) % len(users)]
            place = places[(i + round_) % len(places)]
            if place == communes[4] and days_ago < 400:
                place = communes[0]
            question = _question(
                asker,
                days_ago=days_ago,
                structure=place,
                kind=QuestionKind.DISCUSSION if i % 5 == 4 else QuestionKind.QUESTION,
                deleted=i % 7 == 6,
            )
            question.topics.set(topics[: 1 + (i + round_) % 3] if i % 5 else topics[1:2])
            if i % 9 == 8:
                Question.objects.filter(pk=question.pk).update(closed_at=timezone.now())
            if i % 4 == 3:
                continue  # never answered
            helper = users[(i + round_ + 1) % len(users)]
            first = _answer(question, helper, hours=(i * 7 + round_) % 90 + 1)
            _answer(question, users[(i + 3) % len(users)], hours=200 + i)
            if i % 3 == 0:
                _answer(question, users[2], hours=0.5, deleted=True)
            if i % 6 == 1:
                _answer(question, users[3], hours=-2)  # dated before its question
            if i % 2 == 0:
                accepted = first if i % 4 == 0 else _answer(question, users[0], hours=30 + i)
                Question.objects.filter(pk=question.pk).update(accepted_answer=accepted)
    return communes


@pytest.fixture
def world(make_user, make_structure, make_person):
    return _world(make_user, make_structure, make_person, size=2)


def test_open_by_topic_equals_the_reference(world):
    expected = live_reference.open_by_topic()
    assert len(expected) >= 3
    refresh.refresh()
    assert selectors.open_by_topic() == expected


def test_open_by_territory_equals_the_reference(world):
    expected = live_reference.open_by_territory()
    assert {"CC du Verdon", "Syndicat", "Sans structure"} <= {name for name, _n in expected}
    refresh.refresh()
    assert selectors.open_by_territory() == expected


def test_delays_equal_the_reference(world):
    now = timezone.now()
    expected = [asdict(month) for month in live_reference.delays_by_month(now)]
    assert sum(month["asked"] for month in expected) > 10
    assert sum(month["accepted"] for month in expected) > 3
    refresh.refresh(now=now)
    assert [asdict(month) for month in selectors.delays_by_month()] == expected


def test_commune_activity_equals_the_reference(world):
    now = timezone.now()
    expected = [asdict(row) for row in live_reference.commune_activity(now)]
    assert {row["ever_posted"] for row in expected} == {True, False}
    assert any(row["answers"] for row in expected) and any(row["questions"] for row in expected)
    refresh.refresh(now=now)
    assert [asdict(row) for row in selectors.commune_activity()] == expected


def test_the_figures_are_those_of_the_last_refresh(make_user, make_structure, make_person):
    _world(make_user, make_structure, make_person, size=1, prefix="A ")
    refresh.refresh()
    before = (selectors.open_by_topic(), selectors.delays_by_month())
    _world(make_user, make_structure, make_person, size=1, prefix="B ")
    assert (selectors.open_by_topic(), selectors.delays_by_month()) == before
    refresh.refresh()
    assert selectors.open_by_topic() == live_reference.open_by_topic() != before[0]


SELECTORS = ["open_by_topic", "open_by_territory", "delays_by_month", "commune_activity"]


def test_the_refresh_and_the_selectors_query_counts_do_not_grow(
    make_user, make_structure, make_person
):
    _world(make_user, make_structure, make_person, size=1, prefix="A ")
    now = timezone.now()
    with CaptureQueriesContext(connection) as small:
        aggregates.tables(now)
    _world(make_user, make_structure, make_person, size=3, prefix="B ")
    with CaptureQueriesContext(connection) as large:
        tables = aggregates.tables(now)
    assert all(rows for _model, rows in tables)
    assert len(large.captured_queries) == len(small.captured_queries) <= 12
    refresh.refresh(now=now)
    for selector in SELECTORS:
        with CaptureQueriesContext(connection) as read:
            rows = getattr(selectors, selector)()
        assert len(rows) >= 4
        assert len(read.captured_queries) == 1, selector

"""Queries compiled once per process (directory/compiled.py): what they return must be what the
ORM returns for the same query, whatever values are bound."""

from datetime import timedelta

import pytest
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from directory import compiled
from qa import services
from qa.models import Answer, ThreadVisit, Vote

pytestmark = pytest.mark.django_db

_QUESTION, _USER = -910_000_001, -910_000_002


def _answers(question_id, user_id):
    mine = Vote.objects.filter(user=user_id, answer=OuterRef("pk")).values("value")[:1]
    return (
        Answer.objects.filter(question=question_id)
        .select_related("author", "author__person")
        .annotate(my_vote=Subquery(mine), doubled=F("score") * 2)
        .order_by("pk")
    )


def _fetched_answers(question, user):
    return compiled.fetch_objects(
        "tests.answers", _answers, (_QUESTION, _USER), (question.pk, user.pk), model=Answer
    )


def test_model_objects_come_with_their_related_objects_and_annotations_as_the_orm_gives_them(
    make_question, make_answer, make_user, make_person
):
    voter = make_user()
    author = make_user()
    make_person(user=author, first_name="Aline", last_name="Exemple")
    question = make_question()
    first = make_answer(question=question, author=author)
    make_answer(question=question)
    services.vote_cast(user=voter, post=first, value=1)

    expected = list(_answers(question.pk, voter.pk))
    fetched = _fetched_answers(question, voter)

    assert [a.pk for a in fetched] == [a.pk for a in expected]
    assert [(a.my_vote, a.doubled) for a in fetched] == [(1, 2), (None, 0)]
    assert fetched[0].author.person.first_name == "Aline"  # joined: no query
    assert fetched[0].created_at == expected[0].created_at  # a datetime, converted
    assert not fetched[0]._state.adding and fetched[0]._state.db == "default"


def test_the_same_compiled_query_reads_other_values_fresh(make_question, make_answer, make_user):
    voter = make_user()
    one, other = make_question(), make_question()
    answer = make_answer(question=other)
    assert _fetched_answers(one, voter) == []
    services.vote_cast(user=voter, post=answer, value=-1)
    assert [(a.pk, a.my_vote) for a in _fetched_answers(other, voter)] == [(answer.pk, -1)]


def test_plain_rows_are_converted_like_the_orms_values(question, member):
    seen = timezone.now() - timedelta(hours=2)
    services.thread_visit_record(user=member, question=question, when=seen)

    def visits(user_id):
        return ThreadVisit.objects.filter(user=user_id).values_list("question_id", "seen_at")

    rows = compiled.fetch("tests.visits", visits, (_USER,), (member.pk,), model=ThreadVisit)
    assert rows == [(question.pk, seen)]


def test_a_sentinel_the_query_does_not_hold_is_refused():
    with pytest.raises(ValueError, match="lost its parameter"):
        compiled.fetch(
            "tests.lost",
            lambda user_id: ThreadVisit.objects.all(),
            (_USER,),
            (1,),
            model=ThreadVisit,
        )

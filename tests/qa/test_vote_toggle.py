"""The vote button's rule, decided by `services.vote_toggle` under the vote row's lock."""

import pytest

from qa import services
from qa.models import Answer, Question, Vote
from tests import factories
from tests.concurrency import file_database, in_thread, race

THREADS = 8


@pytest.mark.django_db
def test_a_click_casts_the_same_click_withdraws_the_other_changes(question, make_user):
    voter = make_user()
    assert services.vote_toggle(user=voter, post=question, value=1) == 1
    assert Question.objects.get(pk=question.pk).score == 1
    assert services.vote_toggle(user=voter, post=question, value=-1) == -1
    assert Question.objects.get(pk=question.pk).score == -1
    assert services.vote_toggle(user=voter, post=question, value=-1) == 0
    assert Question.objects.get(pk=question.pk).score == 0
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_zero_withdraws_and_an_answer_keeps_its_own_score(question, make_answer, make_user):
    answer = make_answer(question=question)
    voter = make_user()
    services.vote_toggle(user=voter, post=answer, value=1)
    assert Answer.objects.get(pk=answer.pk).score == 1
    assert Question.objects.get(pk=question.pk).score == 0
    assert services.vote_toggle(user=voter, post=answer, value=0) == 0
    assert services.vote_toggle(user=voter, post=answer, value=0) == 0
    assert Answer.objects.get(pk=answer.pk).score == 0


@pytest.mark.django_db
def test_the_vote_view_toggles_through_the_service(client, question, member):
    client.force_login(member)
    other = services.answer_create(question=question, author=factories.UserFactory(), body="Oui")
    url = f"/reponses/{other.pk}/voter/"
    client.post(url, {"value": "1"})
    assert Answer.objects.get(pk=other.pk).score == 1
    client.post(url, {"value": "1"})
    assert Answer.objects.get(pk=other.pk).score == 0
    client.post(url, {"value": "-1"})
    client.post(url, {"value": "7"})  # not a vote: withdraws, as 0 does
    assert Answer.objects.get(pk=other.pk).score == 0


@pytest.mark.django_db(transaction=True)
def test_many_clicks_at_once_leave_the_score_equal_to_the_votes():
    with file_database():

        def setup():
            question = services.question_create(
                author=factories.UserFactory(),
                title="Une question très discutée",
                body="Tout le monde clique en même temps.",
                topics=[factories.TopicFactory()],
            )
            return question, factories.UserFactory()

        question, voter = in_thread(setup)
        race(lambda: services.vote_toggle(user=voter, post=question, value=1), [()] * THREADS)

        def state():
            votes = list(Vote.objects.values_list("value", flat=True))
            return Question.objects.get(pk=question.pk).score, votes

        score, votes = in_thread(state)
        assert len(votes) <= 1
        assert score == sum(votes)

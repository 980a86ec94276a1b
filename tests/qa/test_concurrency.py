"""Scores stay exact under concurrent voting (unique constraint + atomic update).

Runs on whichever database the suite uses: PostgreSQL with `DATABASE_URL=postgres://…`, or
SQLite. Django's SQLite test database lives in memory with a shared cache, where concurrent
writers fail at once instead of waiting; production uses a file in WAL mode with a busy
timeout and immediate transactions, so on SQLite these tests build such a file database and
run every step (setup, the racing threads, the checks) on it.
"""

import pytest

from qa import services
from qa.models import Question, SameProblem, Vote
from tests import factories
from tests.concurrency import file_database, in_thread, race

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 12


@pytest.fixture
def run():
    """`run(function, *args)` on the database the racing threads will use."""
    with file_database():
        yield in_thread


def _question():
    author = factories.UserFactory()
    return services.question_create(
        author=author,
        title="Une question très populaire",
        body="Tout le monde vote en même temps.",
        topics=[factories.TopicFactory()],
    )


def _users(count):
    return [factories.UserFactory() for _ in range(count)]


def test_many_members_voting_at_once_give_the_exact_score(run):
    question = run(_question)
    voters = run(_users, THREADS)
    race(
        lambda user: services.vote_cast(user=user, post=question, value=1),
        [(user,) for user in voters],
    )
    assert run(lambda: Question.objects.get(pk=question.pk).score) == THREADS
    assert run(lambda: Vote.objects.count()) == THREADS


def test_one_member_clicking_many_times_at_once_counts_once(run):
    question = run(_question)
    (voter,) = run(_users, 1)
    race(lambda: services.vote_cast(user=voter, post=question, value=1), [()] * THREADS)
    assert run(lambda: Question.objects.get(pk=question.pk).score) == 1
    assert run(lambda: Vote.objects.count()) == 1


def test_up_and_down_votes_racing_on_an_answer_stay_consistent(run):
    question = run(_question)
    answer = run(
        lambda: services.answer_create(
            question=question, author=factories.UserFactory(), body="Une réponse discutée."
        )
    )
    voters = run(_users, THREADS)
    args = [(user, 1 if n % 3 else -1) for n, user in enumerate(voters)]
    race(lambda user, value: services.vote_cast(user=user, post=answer, value=value), args)

    def scores():
        answer.refresh_from_db()
        return answer.score, sum(Vote.objects.filter(answer=answer).values_list("value", flat=True))

    assert run(scores) == (sum(value for _, value in args),) * 2


def test_same_problem_counter_stays_exact(run):
    question = run(_question)
    members = run(_users, THREADS)
    race(
        lambda user: services.same_problem_toggle(user=user, question=question),
        [(user,) for user in members],
    )
    assert run(lambda: Question.objects.get(pk=question.pk).same_problem_count) == THREADS
    assert run(lambda: SameProblem.objects.count()) == THREADS

"""Scores stay exact under concurrent voting (unique constraint + atomic update).

Runs on whichever database the suite uses: PostgreSQL with `DATABASE_URL=postgres://…`, or
SQLite. Django's SQLite test database lives in memory with a shared cache, where concurrent
writers fail at once instead of waiting; production uses a file in WAL mode with a busy
timeout and immediate transactions, so on SQLite these tests build such a file database and
run every step (setup, the racing threads, the checks) on it.
"""

import sqlite3
import tempfile
import threading
from pathlib import Path

import pytest
from django.db import connection, connections

from qa import services
from qa.models import Question, SameProblem, Vote
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 12


def _in_thread(function, *args):
    """Run on a fresh connection (a new thread), as another request would."""
    result, errors = [], []

    def worker():
        try:
            result.append(function(*args))
        except Exception as error:  # noqa: BLE001 — re-raised below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


@pytest.fixture
def run():
    """`run(function, *args)` on the database the racing threads will use."""
    if connection.vendor != "sqlite":
        yield _in_thread
        return
    settings_dict = connections.settings["default"]
    saved = settings_dict["NAME"]
    with tempfile.TemporaryDirectory(prefix="entraide-votes-") as folder:
        path = str(Path(folder) / "votes.sqlite3")
        # Copy the migrated in-memory test database into a file (sqlite3's backup API).
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        settings_dict["NAME"] = path
        try:
            yield _in_thread
        finally:
            settings_dict["NAME"] = saved


def _race(target, args_list):
    barrier = threading.Barrier(len(args_list))
    errors = []

    def worker(*args):
        try:
            barrier.wait()
            target(*args)
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


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
    _race(
        lambda user: services.vote_cast(user=user, post=question, value=1),
        [(user,) for user in voters],
    )
    assert run(lambda: Question.objects.get(pk=question.pk).score) == THREADS
    assert run(lambda: Vote.objects.count()) == THREADS


def test_one_member_clicking_many_times_at_once_counts_once(run):
    question = run(_question)
    (voter,) = run(_users, 1)
    _race(lambda: services.vote_cast(user=voter, post=question, value=1), [()] * THREADS)
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
    _race(lambda user, value: services.vote_cast(user=user, post=answer, value=value), args)

    def scores():
        answer.refresh_from_db()
        return answer.score, sum(Vote.objects.filter(answer=answer).values_list("value", flat=True))

    assert run(scores) == (sum(value for _, value in args),) * 2


def test_same_problem_counter_stays_exact(run):
    question = run(_question)
    members = run(_users, THREADS)
    _race(
        lambda user: services.same_problem_toggle(user=user, question=question),
        [(user,) for user in members],
    )
    assert run(lambda: Question.objects.get(pk=question.pk).same_problem_count) == THREADS
    assert run(lambda: SameProblem.objects.count()) == THREADS

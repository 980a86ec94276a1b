"""Write drill: 8 OS processes × 200 mixed writes (votes, answers, comments) on one database.

Each child process (`drill_worker.py`, multiprocessing's spawn method) configures Django from
the production settings with the production task queue and writes through `qa.services`, the
functions the views call. They all start at the same instant on the same posts. Afterwards
not one write may have failed (no "database is locked", no deadlock, no error logged instead
of raised) and every counter must be exact: answer counts, scores, rows of answers, comments,
votes, revisions and follows, and one queued notification task per answer and per comment.

On SQLite the test database is copied into a file (`tests.concurrency.file_database`), which
the children open with the production options (WAL, busy timeout, BEGIN IMMEDIATE); on
PostgreSQL (`DATABASE_URL=postgres://…`) they share the test database.
"""

import multiprocessing
import queue
import tempfile
import time
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Sum
from django_tasks_db.models import DBTaskResult

from qa import services
from qa.models import Answer, Comment, Question, QuestionFollow, Revision, Vote
from tests import factories
from tests.concurrency import file_database, in_thread
from tests.reliability import drill_worker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PROCESSES = 8
QUESTIONS = 4
TIMEOUT_SECONDS = 300


def _setup():
    """Four questions by one member, each with one answer by another; eight writers."""
    asker, helper = factories.UserFactory(), factories.UserFactory()
    topic = factories.TopicFactory(name="Voirie et déneigement")
    questions, answers = [], []
    for number in range(QUESTIONS):
        question = services.question_create(
            author=asker,
            title=f"Déneigement mutualisé, question {number}",
            body="Comment partagez-vous la saleuse entre communes ?",
            topics=[topic],
        )
        questions.append(question.pk)
        answer = services.answer_create(
            question=question, author=helper, body="Une convention de mise à disposition."
        )
        answers.append(answer.pk)
    writers = [factories.UserFactory().pk for _ in range(PROCESSES)]
    return {"questions": questions, "answers": answers, "users": writers}


def _run_processes(ids, folder):
    environment = drill_worker.child_environment(drill_worker.database_url(connection), folder)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    master = context.Process(
        target=drill_worker.master, args=(environment, ids, PROCESSES, results)
    )
    master.start()
    reports = []
    deadline = time.monotonic() + TIMEOUT_SECONDS
    try:
        while len(reports) < PROCESSES and time.monotonic() < deadline:
            try:
                reports.append(results.get(timeout=1))
            except queue.Empty:
                if not master.is_alive():
                    break  # the writers are gone without reporting
        errors = [report["errors"] for report in reports]
        assert len(reports) == PROCESSES, f"{len(reports)} of {PROCESSES} reported: {errors}"
    finally:
        master.join(timeout=30)
        if master.is_alive():
            master.kill()
    return reports


def _database_state(ids):
    posts = [("question", pk, Question) for pk in ids["questions"]] + [
        ("answer", pk, Answer) for pk in ids["answers"]
    ]
    fan_outs = Counter(
        task.args_kwargs["args"][0]
        for task in DBTaskResult.objects.filter(task_path__endswith="tasks.fan_out")
    )
    return {
        "answer_count": {pk: Question.objects.get(pk=pk).answer_count for pk in ids["questions"]},
        "answers_per_question": {
            pk: Answer.objects.filter(question_id=pk).count() for pk in ids["questions"]
        },
        "scores": {f"{kind}:{pk}": model.objects.get(pk=pk).score for kind, pk, model in posts},
        "vote_sums": {
            f"{kind}:{pk}": Vote.objects.filter(**{kind: pk}).aggregate(s=Sum("value"))["s"] or 0
            for kind, pk, _model in posts
        },
        "votes": Vote.objects.count(),
        "answers": Answer.objects.count(),
        "comments": Comment.objects.count(),
        "comments_per_post": {
            f"question:{pk}": Comment.objects.filter(question_id=pk).count()
            for pk in ids["questions"]
        }
        | {
            f"answer:{pk}": Comment.objects.filter(answer_id=pk).count()
            for pk in Answer.objects.values_list("pk", flat=True)
        },
        "revisions": Revision.objects.count(),
        "follows": set(QuestionFollow.objects.values_list("user_id", "question_id")),
        "fan_outs": fan_outs,
    }


def _expected(ids, reports, before):
    answered, commented, scores = Counter(), Counter(), Counter()
    follows = set(before["follows"])
    votes = 0
    for report in reports:
        user = ids["users"][report["index"]]
        answered.update(report["answered"])
        commented.update(report["commented"])
        for key, value in report["votes"].items():
            scores[key] += value
            votes += 1
        follows |= {(user, int(question)) for question in report["answered"]}
    new_answers, new_comments = sum(answered.values()), sum(commented.values())
    posts = [f"question:{pk}" for pk in ids["questions"]] + [
        f"answer:{pk}" for pk in ids["answers"]
    ]
    return {
        "answer_count": {pk: 1 + answered[pk] for pk in ids["questions"]},
        "scores": {key: scores[key] for key in posts},
        "votes": votes,
        "answers": before["answers"] + new_answers,
        "comments": new_comments,
        "comments_per_post": dict(commented),
        "revisions": before["revisions"] + new_answers + new_comments,
        "follows": follows,
        "fan_outs": {
            "answer_created": before["fan_outs"]["answer_created"] + new_answers,
            "comment_created": before["fan_outs"]["comment_created"] + new_comments,
        },
    }


@pytest.mark.long
def test_eight_processes_writing_at_once_lose_nothing_and_count_exactly():
    with file_database(), tempfile.TemporaryDirectory(prefix="entraide-drill-") as folder:
        ids = in_thread(_setup)
        before = in_thread(_database_state, ids)
        assert before["comments"] == 0 and before["votes"] == 0

        reports = _run_processes(ids, folder)

        assert sorted(report["index"] for report in reports) == list(range(PROCESSES))
        failures = [error for report in reports for error in report["errors"]]
        assert failures == [], f"{len(failures)} failed writes, first: {failures[0]}"
        logged = [message for report in reports for message in report["logged"]]
        assert logged == [], f"errors logged by the writers: {logged[:3]}"

        after = in_thread(_database_state, ids)
        expected = _expected(ids, reports, before)
        assert expected["answers"] - before["answers"] == PROCESSES * 50
        assert expected["comments"] == PROCESSES * 50
        assert after["answer_count"] == expected["answer_count"]
        assert after["answers_per_question"] == expected["answer_count"]
        assert after["scores"] == expected["scores"]
        assert after["vote_sums"] == expected["scores"]
        assert after["votes"] == expected["votes"]
        assert after["answers"] == expected["answers"]
        assert after["comments"] == expected["comments"]
        commented = {key: count for key, count in after["comments_per_post"].items() if count}
        assert commented == expected["comments_per_post"]
        assert after["revisions"] == expected["revisions"]
        assert after["follows"] == expected["follows"]
        for event, count in expected["fan_outs"].items():
            assert after["fan_outs"][event] == count, event

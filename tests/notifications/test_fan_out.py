"""The fan-out runs in a background task: the asker's request does not pay for followers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qa import services as qa_services
from website.notifications.kinds import Frequency, Kind
from website.notifications.models import EmailDelivery, Notification
from website.notifications.services import preferences_set
from website.notifications.tasks import fan_out

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}}


def _queries_to_ask(asker, topic, committed) -> int:
    with CaptureQueriesContext(connection) as queries, committed():
        qa_services.question_create(
            author=asker,
            title="Mutualiser une balayeuse entre communes ?",
            body="Qui l'a fait et comment répartir les frais ?",
            topics=[topic],
        )
    return len(queries)


def _follow(users, topic):
    for user in users:
        qa_services.topic_follow(user=user, topic=topic)


def test_asking_costs_the_same_queries_with_1_or_200_followers(
    settings, make_user, make_topic, committed
):
    from django_tasks import task_backends

    settings.TASKS = DUMMY_TASKS
    asker = make_user()
    small, large = make_topic(), make_topic()
    _follow([make_user()], small)
    _follow([make_user() for _ in range(200)], large)

    with_one = _queries_to_ask(asker, small, committed)
    with_many = _queries_to_ask(asker, large, committed)
    assert with_many == with_one
    assert not Notification.objects.exists()  # nothing fanned out inside the request

    fan_outs = [r for r in task_backends["default"].results if r.task.func is fan_out.func]
    assert len(fan_outs) == 2
    for result in fan_outs:
        fan_out.call(*result.args, **result.kwargs)
    assert Notification.objects.filter(kind=Kind.QUESTION_IN_TOPIC).count() == 201


def test_the_fan_out_task_runs_a_bounded_number_of_queries_for_200_digest_followers(
    settings, make_user, make_topic, ask, django_assert_max_num_queries
):
    settings.TASKS = DUMMY_TASKS
    topic = make_topic()
    _follow([make_user() for _ in range(200)], topic)
    question = ask(make_user(), topics=[topic])
    with django_assert_max_num_queries(20):
        created = fan_out.call("question_created", {"question_id": question.pk})
    assert created == 200
    assert not EmailDelivery.objects.exists()  # followed topics go to the daily digest


def test_running_the_fan_out_twice_notifies_and_mails_nobody_twice(
    settings, make_user, make_topic, ask, mailoutbox
):
    settings.TASKS = DUMMY_TASKS
    topic = make_topic()
    followers = [make_user() for _ in range(3)]
    _follow(followers, topic)
    for user in followers:
        preferences_set(user=user, frequencies={Kind.QUESTION_IN_TOPIC: Frequency.IMMEDIATELY})
    question = ask(make_user(), topics=[topic])
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from django.db import transaction

    for _ in range(2):
        with transaction.atomic():
            fan_out.call("question_created", {"question_id": question.pk})
    assert Notification.objects.count() == 3
    assert EmailDelivery.objects.count() == 3


def test_a_question_deleted_before_the_task_runs_notifies_nobody(
    settings, make_user, make_topic, ask, moderator
):
    settings.TASKS = DUMMY_TASKS
    topic = make_topic()
    _follow([make_user()], topic)
    question = ask(make_user(), topics=[topic])
    qa_services.post_delete(post=question, by=moderator)
    assert fan_out.call("question_created", {"question_id": question.pk}) == 0


def test_a_crashing_fan_out_never_breaks_or_undoes_the_members_action(
    monkeypatch, make_user, make_topic, ask, caplog
):
    from qa.models import Question
    from website.notifications import events

    def broken(payload):
        raise RuntimeError("panne de la file de notifications")

    monkeypatch.setitem(events.HANDLERS, "question_created", broken)
    question = ask(make_user(), topics=[make_topic()])
    assert Question.objects.filter(pk=question.pk).exists()
    assert "fan_out" in caplog.text  # logged by the task runner, for error monitoring


def test_a_failing_queue_is_logged_and_never_raised(monkeypatch, make_user, caplog):
    from website.notifications import tasks

    class UnreachableQueue:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("base des tâches injoignable")

    monkeypatch.setattr(tasks, "fan_out", UnreachableQueue())
    tasks.enqueue_fan_out("question_created", {"question_id": 1})
    assert "Could not queue notifications" in caplog.text

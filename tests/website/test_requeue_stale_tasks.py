"""A task worker killed mid-task: the task runs again once, and its effect is not doubled.

A worker claims a task by marking its row RUNNING with its id; killed (SIGKILL, a node lost),
it leaves that row RUNNING for ever (django-tasks-db has no heartbeat). These tests leave rows
exactly as such a worker does (`DBTaskResult.claim`, what the worker runs before the task),
then run `manage.py requeue_stale_tasks` (cron) and a real worker loop.
"""

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from website.notifications.models import EmailDelivery, Notification
from website.notifications.tasks import fan_out

pytestmark = pytest.mark.django_db

EVENT = "account_approved"


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "search", "email"],
        }
    }
    settings.TASKS_STALE_AFTER_SECONDS = 600


def _claimed(result, *workers, minutes_ago):
    """The row as the worker(s) left it: claimed in turn, the last one killed while running."""
    row = DBTaskResult.objects.get(pk=result.id)
    for worker in workers:
        row.claim(worker)
    DBTaskResult.objects.filter(pk=row.pk).update(
        started_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return row


def _run_worker(monkeypatch):
    """db_worker's own loop, in this test's transaction: its between-task connection check
    would close the connection the transaction holds (PostgreSQL), so it is left out."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="worker-b",
        excluded_queue_names=[],
    ).run()


def test_a_task_whose_worker_died_after_its_effect_runs_once_more_and_adds_nothing(
    database_queue, member, caplog, monkeypatch
):
    result = fan_out.enqueue(EVENT, {"user_id": member.pk})
    fan_out.func(EVENT, {"user_id": member.pk})  # the killed worker had done the work...
    _claimed(result, "worker-a", minutes_ago=30)  # ...but not recorded it
    assert Notification.objects.filter(recipient=member).count() == 1
    deliveries = EmailDelivery.objects.count()

    with caplog.at_level(logging.WARNING, logger="website.tasks"):
        call_command("requeue_stale_tasks")
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.READY
    assert "stopped with its worker worker-a: queued again once" in caplog.text

    _run_worker(monkeypatch)
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["worker-a", "worker-b"]
    assert Notification.objects.filter(recipient=member).count() == 1
    assert EmailDelivery.objects.count() == deliveries


def test_a_task_whose_worker_died_before_its_effect_is_done_by_the_next_worker(
    database_queue, member, monkeypatch
):
    result = fan_out.enqueue(EVENT, {"user_id": member.pk})
    _claimed(result, "worker-a", minutes_ago=30)
    call_command("requeue_stale_tasks")
    _run_worker(monkeypatch)
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL
    assert Notification.objects.filter(recipient=member).count() == 1


def test_a_task_retried_once_already_is_failed_with_an_error_not_retried_again(
    database_queue, member, caplog
):
    result = fan_out.enqueue(EVENT, {"user_id": member.pk})
    _claimed(result, "worker-a", "worker-b", minutes_ago=30)
    with caplog.at_level(logging.ERROR, logger="website.tasks"):
        call_command("requeue_stale_tasks")
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert "WorkerStoppedTwice" in row.exception_class_path
    assert "stopped with its worker twice (worker-a, worker-b)" in caplog.text


def test_a_task_still_running_within_the_allowed_time_is_left_alone(database_queue, member):
    result = fan_out.enqueue(EVENT, {"user_id": member.pk})
    _claimed(result, "worker-a", minutes_ago=5)
    call_command("requeue_stale_tasks")
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING

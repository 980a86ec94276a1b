"""Run again, once, a task whose worker died while running it (cron, every 5 minutes).

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again: a
worker killed mid-task (a node lost, an out-of-memory kill, a deploy's SIGKILL) leaves it
RUNNING for ever. This command finds the tasks RUNNING for longer than
`TASKS_STALE_AFTER_SECONDS` and puts them back in the queue if only one worker ever claimed
them (the next worker to claim one adds its id, so a task is retried at most once); a task
already retried is marked FAILED, with an ERROR log line. The site's tasks are idempotent (a
notification is unique per recipient and event, an e-mail per idempotency key and claimed
before it is sent, a search update rewrites its entry), so running one again duplicates
nothing. Running the command on several servers at once is safe: each row is locked.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("website.tasks")


class WorkerStoppedTwice(Exception):
    """The task's worker stopped during its run twice: it is not tried a third time."""


def requeue_stale_tasks() -> tuple[int, int]:
    """(requeued, failed) among the tasks RUNNING for longer than the setting allows."""
    cutoff = timezone.now() - timedelta(seconds=settings.TASKS_STALE_AFTER_SECONDS)
    requeued = failed = 0
    stale = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    for pk in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            task = stale.filter(pk=pk).select_for_update(skip_locked=True).first()
            if task is None:
                continue
            if len(task.worker_ids) <= 1:
                task.status = TaskResultStatus.READY
                task.run_after = timezone.now()
                task.save(update_fields=["status", "run_after"])
                requeued += 1
                logger.warning(
                    "Task %s (%s) stopped with its worker %s: queued again once",
                    task.pk,
                    task.task_path,
                    task.worker_ids[-1] if task.worker_ids else "?",
                )
            else:
                task.set_failed(WorkerStoppedTwice(", ".join(task.worker_ids)))
                failed += 1
                logger.error(
                    "Task %s (%s) stopped with its worker twice (%s): marked failed",
                    task.pk,
                    task.task_path,
                    ", ".join(task.worker_ids),
                )
    return requeued, failed


class Command(BaseCommand):
    help = "Requeue once the tasks whose worker died mid-task; fail those already retried."

    def handle(self, *args, **options):
        requeued, failed = requeue_stale_tasks()
        self.stdout.write(f"{requeued} tâche(s) relancée(s), {failed} marquée(s) en échec")

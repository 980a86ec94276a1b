import atexit

from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    """The site package: templates tags, context processors and the pieces that span apps."""

    name = "website"

    def ready(self):
        from website import admin_api

        # First, before the URL configuration and the `wagtail_hooks` modules are loaded:
        # the Wagtail admin's API (Django REST framework's views) is loaded at its first
        # request only (website/admin_api.py).
        admin_api.stand_in()

        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created
        from django_tasks.signals import task_enqueued, task_finished, task_started

        from website import (
            checks,  # noqa: F401 (registers the system checks)
            http_cache,
            sessions,
        )
        from website.observability import request_id

        # Every database write replaces the pages' validator generation (website/http_cache.py).
        connection_created.connect(http_cache.watch_writes, dispatch_uid="entraide-http-cache")
        http_cache.watch_writes()
        # The writes held back while SQLite's statement was open: at the latest when a task
        # ends or the process exits (a management command's last write).
        task_finished.connect(http_cache.flush_after_task, dispatch_uid="entraide-http-flush")
        atexit.register(http_cache.flush_pending_writes)
        user_logged_in.connect(sessions.stamp_at_login, dispatch_uid="entraide-session-stamp")
        # A task's log lines carry the id of the request that enqueued it.
        task_enqueued.connect(request_id.remember_for_task, dispatch_uid="entraide-task-rid")
        task_started.connect(request_id.enter_task, dispatch_uid="entraide-task-rid")
        task_finished.connect(request_id.leave_task, dispatch_uid="entraide-task-rid")

"""One id per request: in every log line the request causes, in the tasks it enqueues, and in
the `X-Request-ID` response header, so that an operator follows one request through the
proxy's log, the application's and the task worker's."""

import contextvars
import logging
import re
import uuid

from django.conf import settings
from django.core.cache import cache

_current = contextvars.ContextVar("request_id", default="")

# What a proxy may hand over (nginx's `$request_id` is 32 hex digits): nothing that could break
# a log line or a header.
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")
# How long the id of a request waits in the cache for the tasks it enqueued to start.
TASK_LINK_SECONDS = 24 * 3600


def current() -> str:
    """The id of the request (or of the request whose task is running); empty outside both."""
    return _current.get()


class RequestIdMiddleware:
    """First in the chain: every later middleware, view and task enqueued sees the id.

    The proxy's `X-Request-ID` is taken only when `REQUEST_ID_FROM_PROXY` says a proxy sets it
    (otherwise any client could choose the id its requests are logged under)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        if settings.REQUEST_ID_FROM_PROXY and _ACCEPTED.fullmatch(given):
            request_id = given
        else:
            request_id = uuid.uuid4().hex
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request or a task)."""

    def filter(self, record):
        record.request_id = _current.get() or "-"
        return True


def _task_key(task_id) -> str:
    return f"observability:task-request:{task_id}"


def remember_for_task(sender, task_result, **kwargs):
    """`task_enqueued`: keep the enqueuing request's id for the worker that will run the task."""
    request_id = _current.get()
    if request_id:
        cache.set(_task_key(task_result.id), request_id, TASK_LINK_SECONDS)


_task_tokens: dict[str, contextvars.Token] = {}


def enter_task(sender, task_result, **kwargs):
    """`task_started`: the task's log lines carry its request's id. A task run inside the request
    (the immediate backend) already has it."""
    if _current.get():
        return
    request_id = cache.get(_task_key(task_result.id))
    if request_id:
        _task_tokens[str(task_result.id)] = _current.set(request_id)


def leave_task(sender, task_result, **kwargs):
    """`task_finished`: back to no id, for the next task of the same worker."""
    token = _task_tokens.pop(str(task_result.id), None)
    if token is not None:
        _current.reset(token)

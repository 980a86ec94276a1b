"""Prometheus metrics at `/metriques/` (docs/operations.md, « What operators watch »).

Counted by the middleware, per process: requests by view, method and status, and their
latency. Read from the database at each scrape, the same for every process: the task queues'
depth and the age of their oldest waiting task, the e-mails waiting and abandoned, and the
search index lag (the age of the oldest waiting `search` task: what members cannot find yet).

With several gunicorn workers, set `PROMETHEUS_MULTIPROC_DIR` to an empty folder writable by
them (and wipe it at each start): the counters of every worker are then added up at the scrape.
"""

import hmac
import ipaddress
import os
import time

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter(
    "entraide_http_requests_total",
    "HTTP requests answered, by view, method and status.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "entraide_http_request_duration_seconds",
    "Time to answer a request, by view.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


# Any word is a method to HTTP: a client inventing them must not create series without end.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class MetricsMiddleware:
    """Outermost: times the whole chain. Labels are the URL's name, never the path (a path holds
    ids and slugs: one series per question would swamp the server), and a known method."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unresolved"
        LATENCY.labels(view).observe(time.perf_counter() - started)
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        return response


class DatabaseCollector:
    """Gauges computed from the database when Prometheus scrapes."""

    def collect(self):
        from django_tasks_db.models import DBTaskResult

        from website.notifications.models import DeliveryStatus, EmailDelivery

        now = timezone.now()
        depth = GaugeMetricFamily(
            "entraide_task_queue_depth", "Tasks waiting to run, by queue.", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "entraide_task_queue_oldest_seconds",
            "Age of the oldest task waiting to run, by queue (0 when none waits).",
            labels=["queue"],
        )
        waiting = {
            row["queue_name"]: row
            for row in DBTaskResult.objects.ready()
            .values("queue_name")
            .annotate(count=Count("id"), oldest=Min("enqueued_at"))
        }
        for queue in settings.TASKS["default"]["QUEUES"]:
            row = waiting.get(queue)
            depth.add_metric([queue], row["count"] if row else 0)
            age.add_metric([queue], (now - row["oldest"]).total_seconds() if row else 0)
        yield depth
        yield age
        lag = waiting.get("search")
        yield GaugeMetricFamily(
            "entraide_search_index_lag_seconds",
            "Age of the oldest index update not applied yet (0 when the index is up to date).",
            value=(now - lag["oldest"]).total_seconds() if lag else 0,
        )
        emails = dict(
            EmailDelivery.objects.filter(
                status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED]
            )
            .values_list("status")
            .annotate(Count("id"))
        )
        yield GaugeMetricFamily(
            "entraide_emails_pending",
            "E-mails in the outbox not sent yet (waiting or being sent).",
            value=emails.get(DeliveryStatus.PENDING, 0) + emails.get(DeliveryStatus.SENDING, 0),
        )
        yield GaugeMetricFamily(
            "entraide_emails_failed",
            "E-mails abandoned after their last attempt (all time).",
            value=emails.get(DeliveryStatus.FAILED, 0),
        )


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(DatabaseCollector())
    return registry


def _allowed(request) -> bool:
    """A bearer token equal to `METRICS_TOKEN`, or a client in `METRICS_ALLOWED_NETWORKS`
    (the node's own address as seen without the proxy: the proxy does not forward this path)."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return True
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(net) for net in settings.METRICS_ALLOWED_NETWORKS)


@require_GET
@never_cache
def metrics(request):
    """404, not 403, to anyone else: the endpoint does not say it exists."""
    if not _allowed(request):
        raise Http404
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)

"""Refresh the shared needs' aggregates as a task on the "default" queue (a `db_worker` in
production; the immediate backend runs it in the requesting process in development and
tests). Asked by the page when its figures are stale, and by cron through
`manage.py refresh_shared_needs` (docs/coordination.md, « Fraîcheur des chiffres »)."""

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from website.needs import refresh
from website.needs.models import NeedsRefresh

# One refresh asked at a time: the page asks at most once per this many seconds.
ASK_LOCK = "needs:refresh-asked"
ASK_LOCK_SECONDS = 300


@task(queue_name="default")
def refresh_shared_needs() -> int:
    """Recompute the aggregates; the milliseconds it took."""
    return refresh.refresh().duration_ms


def last_refresh() -> NeedsRefresh | None:
    """When the figures were computed (None: never yet)."""
    return NeedsRefresh.objects.order_by("-refreshed_at").first()


def refreshed(stale_after) -> NeedsRefresh | None:
    """The last refresh of the aggregates, asking a new one when they are older than
    `stale_after` or were never computed (the immediate task backend computes them now; a
    worker, shortly: the page then shows the figures it has, with their age)."""
    done = last_refresh()
    if done is None or done.refreshed_at < timezone.now() - stale_after:
        if ask_refresh():
            done = last_refresh()
    return done


def ask_refresh() -> bool:
    """Enqueue a refresh unless one was asked in the last five minutes; True when asked."""
    if not cache.add(ASK_LOCK, True, timeout=ASK_LOCK_SECONDS):
        return False
    try:
        refresh_shared_needs.enqueue()
    finally:
        # With the immediate backend the refresh already ran: let the next stale view ask.
        if type(refresh_shared_needs.get_backend()).__name__ == "ImmediateBackend":
            cache.delete(ASK_LOCK)
    return True

"""Index updates as tasks on the "search" queue.

In production the database task backend runs them in the single `db_worker --queue-name
search`: the only process that writes the Whoosh index. With the immediate backend
(development, tests) they run in the committing process, whose writer waits for the lock.
"""

import logging

from django.core.cache import cache
from django_tasks import task

from website.search import services

logger = logging.getLogger(__name__)


@task(queue_name="search")
def sync_documents(uids: list[str]) -> dict:
    indexed, removed = services.sync(uids)
    return {"indexed": indexed, "removed": removed}


@task(queue_name="search")
def rebuild_index() -> int:
    return services.rebuild()


def request_rebuild() -> None:
    """The index is missing or broken: ask the search worker for a rebuild, once.

    Only when a real task worker exists: with the immediate backend the rebuild would run
    inside this web request (minutes on a large site), so the operator runs
    `manage.py search_rebuild` (or `search_check --repair`) instead, as /sante/ tells.
    """
    if type(rebuild_index.get_backend()).__name__ == "ImmediateBackend":
        logger.warning("Search index unavailable: run `manage.py search_check --repair`")
        return
    if cache.add(services.REBUILD_FLAG, True, timeout=3600):
        try:
            rebuild_index.enqueue()
        except Exception:
            logger.exception("Could not enqueue a search rebuild")
            cache.delete(services.REBUILD_FLAG)

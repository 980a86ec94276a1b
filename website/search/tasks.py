"""Index updates as tasks on the "search" queue.

In production the database task backend runs them in the single `db_worker --queue-name
search`: the only process that writes the Whoosh index. With the immediate backend
(development, tests) they run in the committing process, whose writer waits for the lock.
"""

from django_tasks import task

from website.search import service


@task(queue_name="search")
def sync_documents(uids: list[str]) -> dict:
    indexed, removed = service.sync(uids)
    return {"indexed": indexed, "removed": removed}


@task(queue_name="search")
def rebuild_index() -> int:
    return service.rebuild()

"""CMS background work, as tasks on the "default" queue (a `db_worker` in production; the
immediate backend runs them in the committing process in development and tests)."""

from django_tasks import task

from website.pages import services


@task(queue_name="default")
def extract_document_text(document_id: int) -> int:
    """Read a Wagtail document's text for search; the number of characters."""
    return services.document_text_extract(document_id)

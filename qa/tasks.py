"""Q&A background work, as tasks on the "default" queue (a `db_worker` in production; the
immediate backend runs them in the committing process in development and tests)."""

from django_tasks import task

from qa import services


@task(queue_name="default")
def extract_attachment_text(attachment_id: int) -> int:
    """Read an attachment's text for search (`qa/extraction.py`); the number of characters."""
    return services.attachment_text_extract(attachment_id)

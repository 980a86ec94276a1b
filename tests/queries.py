"""Query counts that must not grow with the data: measure a page, grow the data, measure again."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

# A query per row shows as 20 more queries between the two sizes, as plainly as 90 more. LARGE
# still exceeds the 20-row pages (Q&A lists, the regulatory watch, the API's default, Wagtail's
# admin lists) and the short lists (« the newest 5 »); a test reading a longer page grows past
# that page instead (e.g. the 30 followed threads of « Mes suivis »). Each size costs the suite
# its rows, and their Wagtail pages and revisions: 100 rows took a few seconds of CPU per test.
SMALL, LARGE = 10, 30


def counted_get(client, url, data=None):
    """`(response, number of queries)` for one GET; the page must have rendered (200)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, data)
    assert response.status_code == 200, (url, response.status_code)
    return response, len(context.captured_queries)


def queries_by_statement(client, url, data=None) -> list[str]:
    """The SQL of one GET, to show which statement repeats when a count grows."""
    with CaptureQueriesContext(connection) as context:
        client.get(url, data)
    return [query["sql"] for query in context.captured_queries]

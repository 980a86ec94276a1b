"""Query counts that must not grow with the data: measure a page, grow the data, measure again."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

SMALL, LARGE = 10, 100


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

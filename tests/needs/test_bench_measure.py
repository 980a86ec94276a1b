"""`benchmarks/needs_bench.py` reports the SQL queries of one request (its « queries » column
printed 0 for every page: it read its capture after the next requests had emptied the log)."""

import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from website.needs import refresh

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import needs_bench  # noqa: E402

pytestmark = pytest.mark.django_db


def test_measure_counts_the_queries_of_one_request(client, make_user):
    refresh.refresh()
    client.force_login(make_user())
    client.get("/besoins-partages/")
    with CaptureQueriesContext(connection) as expected:
        client.get("/besoins-partages/")
    count = len(expected.captured_queries)
    assert needs_bench.measure(client, "/besoins-partages/", repeat=2)["queries"] == count > 0

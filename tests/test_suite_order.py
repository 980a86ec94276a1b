"""The database a test finds does not depend on the order the tests run in; the order lets the
workers start without waiting for each other.

pytest-django runs the transactional tests last on each worker, and each ends with a flush.
xdist's `worksteal` (the Makefile's) lets an idle worker take tests from another's queue, so a
worker can meet a plain database test after a transactional one: tests/conftest.py then copies
the migrated database back first. This runs two tests in that order in a pytest of their own.
"""

import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import TransactionTestCase
from wagtail.models import Page, Site
from xdist.scheduler import WorkStealingScheduling

from taxonomy.models import Topic
from tests.conftest import database_free_tests_where_workers_start, long_tests_first_in_their_group
from tests.processes import ROOT

PROBE = """
import pytest
from wagtail.models import Page


@pytest.mark.django_db(transaction=True)
def test_first_a_transactional_test():
    assert Page.objects.filter(depth=2).exists()


@pytest.mark.django_db
def test_then_a_database_test_finds_the_home_page_of_the_data_migrations():
    assert Page.objects.filter(depth=2).exists()
"""

# The suite's own conftest (its hooks and fixtures), then pytest-django's order reversed.
CONFTEST = """
import pytest

from tests.conftest import *  # noqa: F403
from tests.conftest import pytest_runtest_setup, pytest_runtest_teardown  # noqa: F401


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: "transactional" not in item.name)
"""


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="a pytest of its own migrates a second test database: about a minute on PostgreSQL; "
    "the order rule does not depend on the database",
)
# Its pytest copies the migrated test database this run makes: counted among the database tests,
# it runs once that database exists instead of waiting for it at the start.
@pytest.mark.django_db
def test_a_database_test_after_a_transactional_one_finds_the_migrated_data(tmp_path):
    (tmp_path / "test_probe.py").write_text(PROBE)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("PYTEST_XDIST")
    }
    environment["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(  # noqa: S603 (the test's own arguments, no shell)
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(ROOT),
            "-n",
            "0",
            "-v",
            str(tmp_path / "test_probe.py"),
        ],  # fmt: skip
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = result.stdout + result.stderr
    outcomes = re.findall(r"::(test_\w+) (PASSED|FAILED|ERROR)", report)
    assert outcomes == [
        ("test_first_a_transactional_test", "PASSED"),
        ("test_then_a_database_test_finds_the_home_page_of_the_data_migrations", "PASSED"),
    ], report


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_ends_with_the_migrated_database_copied_back(make_topic):
    """Not emptied by Django's flush, whose post-migrate gives the content types new ids and
    leaves the data migrations' rows out (tests/conftest.py, `_snapshot_instead_of_flush`)."""
    content_types = set(ContentType.objects.values_list("app_label", "model", "pk"))
    make_topic(name="Laissé par le test")

    TransactionTestCase()._fixture_teardown()

    assert not Topic.objects.filter(name="Laissé par le test").exists()
    assert Site.objects.filter(is_default_site=True).exists()
    assert Page.objects.filter(depth=2).exists()
    assert set(ContentType.objects.values_list("app_label", "model", "pk")) == content_types


class _Worker:
    """What xdist's scheduler calls on a worker: the share it is dealt is recorded."""

    shutting_down = False

    def __init__(self, number):
        self.gateway = SimpleNamespace(id=f"gw{number}")
        self.dealt: list[int] = []

    def send_runtest_some(self, indices):
        self.dealt.extend(indices)


class _Config:
    def __init__(self, workers):
        self.workers = workers

    def getvalue(self, name):
        assert name == "tx"
        return [f"{self.workers}*popen"]


def first_shares_dealt_by_xdist(collection, workers):
    """The first share of `collection` each worker gets from xdist's own `worksteal`
    scheduler, as the Makefile runs it."""
    scheduler = WorkStealingScheduling(_Config(workers))
    nodes = [_Worker(number) for number in range(workers)]
    for node in nodes:
        scheduler.add_node(node)
    for node in nodes:
        scheduler.add_node_collection(node, collection)
    scheduler.schedule()
    return [[collection[index] for index in node.dealt] for node in nodes]


@pytest.mark.parametrize(
    ("workers", "with_database", "database_free"),
    [(2, 2700, 470), (2, 9, 3), (3, 100, 40), (2, 4, 20), (4, 50, 7)],
)
def test_every_worker_but_one_starts_on_tests_that_need_no_database(
    workers, with_database, database_free
):
    """While one worker migrates the test database, the others have work that needs none."""
    items = [f"db-{number}" for number in range(with_database)] + [
        f"free-{number}" for number in range(database_free)
    ]
    ordered = database_free_tests_where_workers_start(
        items, workers, needs_database=lambda item: item.startswith("db-")
    )
    assert sorted(ordered) == sorted(items)
    # Each group keeps pytest-django's order.
    assert [item for item in ordered if item.startswith("db-")] == items[:with_database]
    assert [item for item in ordered if item.startswith("free-")] == items[with_database:]
    shares = first_shares_dealt_by_xdist(ordered, workers)
    assert sorted(item for share in shares for item in share) == sorted(items)
    starts = sorted(share[0].split("-")[0] for share in shares)
    assert starts == ["db"] + ["free"] * (workers - 1)


def test_long_tests_start_their_group_and_everything_else_keeps_its_order():
    """A long browser journey last in the collection used to keep one worker busy for most of
    a minute after the other had finished: tests marked `long` now lead their group."""
    items = ["db-a", "db-LONG-b", "db-c", "tx-a", "tx-b", "tx-LONG-c", "tx-LONG-d", "free-a"]
    ordered = long_tests_first_in_their_group(
        items,
        group=lambda item: ["db", "tx", "free"].index(item.split("-")[0]),
        is_long=lambda item: "LONG" in item,
    )
    assert ordered == [
        "db-LONG-b", "db-a", "db-c", "tx-LONG-c", "tx-LONG-d", "tx-a", "tx-b", "free-a",
    ]  # fmt: skip

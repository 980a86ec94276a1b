"""The database a test finds does not depend on the order the tests run in.

pytest-django runs the transactional tests last on each worker, and each ends with a flush.
xdist's `worksteal` (the Makefile's) lets an idle worker take tests from another's queue, so a
worker can meet a plain database test after a transactional one: tests/conftest.py then copies
the migrated database back first. This runs two tests in that order in a pytest of their own.
"""

import os
import re
import subprocess
import sys

import pytest
from django.db import connection

from tests.processes import ROOT

PROBE = """
import pytest
from wagtail.models import Page


@pytest.mark.django_db(transaction=True)
def test_first_a_transactional_test_whose_teardown_flushes():
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
        ("test_first_a_transactional_test_whose_teardown_flushes", "PASSED"),
        ("test_then_a_database_test_finds_the_home_page_of_the_data_migrations", "PASSED"),
    ], report

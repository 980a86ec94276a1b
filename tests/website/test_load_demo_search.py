"""Issue 20, item 11: `make demo` printed « Search index missing » lines among the logins.

On a fresh install `load_demo` sent each object it created to a search index that did not
exist yet (the Makefile built it afterwards); every batch logged the warning. Now the command
pauses live index updates while it loads, then builds the index once, complete.
"""

import logging
from io import StringIO

import pytest
from django.core.management import call_command

from website.search import services
from website.search.backends import get_backend, reset_backends

# The loader's commit callbacks (search updates, notifications) must really run.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def no_index_yet(settings, tmp_path):
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = str(tmp_path / "search")
    reset_backends()
    yield
    reset_backends()


def test_load_demo_builds_the_index_once_without_a_missing_index_warning(
    no_index_yet, settings, caplog
):
    settings.DEBUG = True
    out = StringIO()
    with caplog.at_level(logging.WARNING):
        call_command("load_demo", stdout=out)
    assert "Search index missing" not in caplog.text
    assert "Index de recherche construit" in out.getvalue()
    report = services.check()
    assert report.clean, report
    assert any(entry.uid.startswith("question:") for entry in get_backend().entries())

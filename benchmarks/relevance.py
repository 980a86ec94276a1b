"""Relevance of search: the relevance set of tests/search/relevance on each backend.

    .venv/bin/python benchmarks/relevance.py                      # Whoosh on SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/entraide_x .venv/bin/python \
        benchmarks/relevance.py                                   # Whoosh and PostgreSQL

`make bench` runs it first (benchmarks/run.py). It creates a throwaway test database
(`test_<name>` on PostgreSQL, in memory on SQLite) with the test settings, builds the set's
corpus once (45 threads, 1,000 noise threads), indexes it with each backend the database
allows, runs every query as a logged-in member and prints success@1, success@3, MRR and each
miss (the same function as the test, tests/search/relevance/harness.py). Exit status 1 when a
backend is below the targets (success@3 90 %, MRR 0.85).
"""

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["whoosh", "postgres"], action="append")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import (
        override_settings,
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )

    from tests.search.relevance import harness
    from website.search import services
    from website.search.backends import reset_backends

    backends = args.backend or ["whoosh", "postgres"]
    # The corpus's commit finds no index yet (the rebuilds below read everything).
    logging.getLogger("website.search").setLevel(logging.ERROR)
    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        if connection.vendor != "postgresql" and "postgres" in backends:
            print("(postgres backend skipped: DATABASE_URL is not PostgreSQL)")
            backends = [name for name in backends if name != "postgres"]
        with transaction.atomic():  # one commit: the corpus is indexed by the rebuilds below
            corpus = harness.build_corpus()
        scores = []
        for name in backends:
            with (
                tempfile.TemporaryDirectory(prefix=f"relevance-{name}-") as folder,
                override_settings(SEARCH_BACKEND=name, SEARCH_INDEX_DIR=folder),
            ):
                reset_backends()
                services.rebuild()
                scores.append(harness.evaluate(corpus, name))
                reset_backends()
    finally:
        teardown_databases(old_config, verbosity=0)
        teardown_test_environment()
    print(harness.format_table(scores))
    return 0 if all(score.passes for score in scores) else 1


if __name__ == "__main__":
    sys.exit(main())

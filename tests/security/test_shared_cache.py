"""The production cache keeps every live rate-limit counter, however busy the site.

Rate limits (failed logins, posting limits, double-submit tokens, the agenda quota) count in
the shared cache, the database cache by default. Django's database cache keeps 300 entries
unless told otherwise; past that, every write deletes the first third of the table in key
order, live or not: the counters (`:1:agenda…`, `:1:allauth…`, `:1:qa…`) go before most others,
and a limit forgets what it counted.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.core.management.commands.createcachetable import Command as CreateCacheTable

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TABLE = "entraide_cache_essai"
# A busy day: submission tokens live 24 hours, one per post, beside the login counters.
LIVE_ENTRIES = 1000


def production_cache_settings(tmp_path) -> dict:
    """`CACHES["default"]` as the production settings build it from the default `CACHE_URL`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.pop("CACHE_URL", None)
    env |= {
        "DJANGO_SETTINGS_MODULE": "website.settings",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [
            sys.executable,
            "-c",
            "import django, json; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.CACHES['default']))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_production_database_cache_keeps_a_limit_counter_on_a_busy_site(tmp_path):
    params = production_cache_settings(tmp_path)
    assert params["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    cache = DatabaseCache(TABLE, params)
    creator = CreateCacheTable()
    creator.verbosity = 0
    creator.create_table("default", TABLE, dry_run=False)
    counter = "agenda:proposals:42:0:0"  # one of a new member's proposals of the day
    cache.add(counter, 1, 24 * 3600)

    for start in range(0, LIVE_ENTRIES, 100):
        cache.set_many(
            {f"qa:submitted:{n}:jeton": "/questions/1/" for n in range(start, start + 100)},
            24 * 3600,
        )

    assert cache.get(counter) == 1
    assert cache.get("qa:submitted:0:jeton") == "/questions/1/"

"""The production cache keeps every live rate-limit counter, however busy the site.

Rate limits (failed logins, posting limits, double-submit tokens, the agenda quota) count in
the shared cache, the database cache by default. Django's database cache keeps 300 entries
unless told otherwise; past that, every write deletes the first third of the table in key
order, live or not: the counters (`:1:agenda…`, `:1:allauth…`, `:1:qa…`) go before most others,
and a limit forgets what it counted.
"""

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.core.management.commands.createcachetable import Command as CreateCacheTable

from tests.security.production import default_cache_as_built

pytestmark = pytest.mark.django_db

TABLE = "entraide_cache_essai"
# A busy day: submission tokens live 24 hours, one per post, beside the login counters.
LIVE_ENTRIES = 1000


def test_the_production_database_cache_keeps_a_limit_counter_on_a_busy_site(tmp_path):
    params = default_cache_as_built(
        DJANGO_DEBUG="false", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )
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

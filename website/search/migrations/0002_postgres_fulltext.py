"""PostgreSQL only: French text search with unaccent, the weighted tsvector, GIN indexes.

`entraide_fr` is the `french` configuration with `unaccent` before the French stemmer
(accents folded before stemming, as in the Whoosh analyzer). On other databases this
migration does nothing: the Whoosh backend does not use the table.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    DO $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'entraide_fr') THEN
            CREATE TEXT SEARCH CONFIGURATION entraide_fr (COPY = french);
            ALTER TEXT SEARCH CONFIGURATION entraide_fr
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        END IF;
    END
    $$
    """,
    """
    ALTER TABLE search_searchentry ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('entraide_fr'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('entraide_fr'::regconfig, coalesce(names, '')), 'A')
        || setweight(to_tsvector('entraide_fr'::regconfig, coalesce(topic_names, '')), 'B')
        || setweight(to_tsvector('entraide_fr'::regconfig, coalesce(body, '')), 'C')
    ) STORED
    """,
    "CREATE INDEX search_entry_tsv ON search_searchentry USING gin (tsv)",
    "CREATE INDEX search_entry_acl ON search_searchentry USING gin (acl)",
    "CREATE INDEX search_entry_topics ON search_searchentry USING gin (topics)",
    "CREATE INDEX search_entry_title_trgm ON search_searchentry USING gin (title gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_title_trgm",
    "DROP INDEX IF EXISTS search_entry_topics",
    "DROP INDEX IF EXISTS search_entry_acl",
    "DROP INDEX IF EXISTS search_entry_tsv",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS tsv",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]

"""PostgreSQL only: what keeps searches fast at 100,000 documents (docs/search.md).

- `principals`: the ACL as a `text[]` (generated from the `acl` JSON) with a GIN index. The
  permission filter is `principals && %s`, which GIN answers without a recheck (`acl ?| %s`
  on the JSON index needs one, and a recheck re-reads the `tsv` of every matching row).
- `title_tsv`: title and names only (weight A), GIN-indexed: the cheap "found in the title"
  criterion of the ranked window, and what similar questions match.
- `sample`: `hashtext(uid) & 63`, a stable pseudo-random bucket, in the full-text GIN index
  (`btree_gin`): above the exact-count threshold, totals and facets are estimated from the
  matches of a few buckets, which the index finds without reading the other rows.
- `title_folded`: the title lower-cased without accents (`search_fold`, an immutable wrapper
  of `unaccent`), with the trigram GIN index that replaces the one on `title`: "did you mean"
  and similar questions compare folded words (`competenec` is 0.45 from `compétence` but
  0.73 from `competence`), so the `<%` operator can use a strict threshold.
- A btree index on `(date DESC, uid)`: the date order, and the newest-first walk that fills
  the ranked window for frequent words without reading every match.
On other databases this migration does nothing.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    """
    CREATE OR REPLACE FUNCTION search_principals(acl jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT coalesce(array_agg(p ORDER BY p), '{}') FROM jsonb_array_elements_text(acl) AS p $$
    """,
    # Schema-qualified: pg_restore runs with an empty search_path, and an unqualified
    # `unaccent` made restoring a backup fail (tests/reliability/test_backup_restore.py).
    # (`%%` because `schema_editor.execute` passes the statement through the driver.)
    """
    DO $do$
    DECLARE
        schema text := (
            SELECT n.nspname FROM pg_extension e
            JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'
        );
    BEGIN
        EXECUTE format(
            'CREATE OR REPLACE FUNCTION search_fold(value text) RETURNS text '
            'LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE '
            'AS $fold$ SELECT pg_catalog.lower(%%I.unaccent(%%L::regdictionary, value)) $fold$',
            schema,
            schema || '.unaccent'
        );
    END
    $do$
    """,
    """
    ALTER TABLE search_searchentry
        ADD COLUMN title_folded text GENERATED ALWAYS AS (search_fold(title)) STORED,
        ADD COLUMN principals text[] GENERATED ALWAYS AS (search_principals(acl)) STORED,
        ADD COLUMN title_tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('entraide_fr'::regconfig, coalesce(title, '')), 'A')
            || setweight(to_tsvector('entraide_fr'::regconfig, coalesce(names, '')), 'A')
        ) STORED,
        ADD COLUMN sample smallint GENERATED ALWAYS AS ((hashtext(uid) & 63)::smallint) STORED
    """,
    "DROP INDEX IF EXISTS search_entry_tsv",
    "CREATE INDEX search_entry_tsv ON search_searchentry USING gin (tsv, sample)",
    "DROP INDEX IF EXISTS search_entry_acl",
    "CREATE INDEX search_entry_principals ON search_searchentry USING gin (principals)",
    "CREATE INDEX search_entry_title_tsv ON search_searchentry USING gin (title_tsv)",
    "CREATE INDEX search_entry_date ON search_searchentry (date DESC NULLS LAST, uid)",
    "DROP INDEX IF EXISTS search_entry_title_trgm",
    "CREATE INDEX search_entry_title_folded_trgm ON search_searchentry "
    "USING gin (title_folded gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_title_folded_trgm",
    "CREATE INDEX IF NOT EXISTS search_entry_title_trgm ON search_searchentry "
    "USING gin (title gin_trgm_ops)",
    "DROP INDEX IF EXISTS search_entry_date",
    "DROP INDEX IF EXISTS search_entry_title_tsv",
    "DROP INDEX IF EXISTS search_entry_principals",
    "CREATE INDEX IF NOT EXISTS search_entry_acl ON search_searchentry USING gin (acl)",
    "DROP INDEX IF EXISTS search_entry_tsv",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS sample, "
    "DROP COLUMN IF EXISTS title_tsv, DROP COLUMN IF EXISTS principals, "
    "DROP COLUMN IF EXISTS title_folded",
    "CREATE INDEX IF NOT EXISTS search_entry_tsv ON search_searchentry USING gin (tsv)",
    "DROP FUNCTION IF EXISTS search_principals(jsonb)",
    "DROP FUNCTION IF EXISTS search_fold(text)",
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
    dependencies = [("search", "0002_postgres_fulltext")]

    operations = [migrations.RunPython(forward, backward)]

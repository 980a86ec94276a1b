"""PostgreSQL only: `sample` joins `title_tsv` in its GIN index (`btree_gin`, as for `tsv`),
so that the ranked window reads a frequent word's title matches from a few buckets first
(docs/search.md, "PostgreSQL backend"). On other databases this migration does nothing.
"""

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS search_entry_title_tsv",
    "CREATE INDEX search_entry_title_tsv ON search_searchentry USING gin (title_tsv, sample)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_title_tsv",
    "CREATE INDEX search_entry_title_tsv ON search_searchentry USING gin (title_tsv)",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("search", "0006_postgres_vocabulary")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]

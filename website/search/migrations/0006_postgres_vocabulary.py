"""PostgreSQL only: what typo tolerance needs (docs/search.md, "Typos and word forms").

- `fuzzystrmatch` for `levenshtein_less_equal`, which compares a typed word's stem with the
  lexemes of the index;
- `search_searchterm` filled with every lexeme already indexed (the backend adds the new
  ones on each write and refills it on rebuild).
On other databases this migration does nothing.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch",
    "INSERT INTO search_searchterm (term) SELECT word FROM ts_stat("
    "'SELECT tsv FROM search_searchentry') WHERE length(word) <= 100 ON CONFLICT DO NOTHING",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0005_load_synonyms")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

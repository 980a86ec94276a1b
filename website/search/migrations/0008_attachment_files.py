"""The text of a thread's attached files (issue 17, item 4): a `files` column ([name, text]
pairs) and, on PostgreSQL, `tsv` written again with it at weight D (below the body's C), its
GIN index built again. On other databases only the column is added."""

from django.db import migrations, models

TSV = """
    ALTER TABLE search_searchentry ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('entraide_fr'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('entraide_fr'::regconfig, coalesce(names, '')), 'A')
        || setweight(to_tsvector('entraide_fr'::regconfig, coalesce(topic_names, '')), 'B')
        || setweight(to_tsvector('entraide_fr'::regconfig, coalesce(body, '')), 'C')
        {files}
    ) STORED
"""
FILES = "|| setweight(to_tsvector('entraide_fr'::regconfig, files), 'D')"


def _tsv(files: str) -> list[str]:
    return [
        "DROP INDEX IF EXISTS search_entry_tsv",
        "ALTER TABLE search_searchentry DROP COLUMN tsv",
        TSV.format(files=files),
        "CREATE INDEX search_entry_tsv ON search_searchentry USING gin (tsv, sample)",
    ]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("search", "0007_postgres_title_sample")]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="files",
            field=models.JSONField(blank=True, default=list, verbose_name="fichiers joints"),
        ),
        migrations.RunPython(run(_tsv(FILES)), run(_tsv(""))),
    ]

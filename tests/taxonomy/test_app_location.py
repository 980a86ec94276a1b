"""Taxonomy moved from `website/taxonomy/` to the top-level `taxonomy/` package.

Only the Python path changed: the app label stays `taxonomy`, so the migration history
(`django_migrations` rows named `taxonomy`), the table names and every foreign key from `qa`,
`directory` and `pages` are untouched, and an existing database needs no migration.
"""

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.utils import translation

from taxonomy.models import Topic


def test_the_app_keeps_its_label_and_tables():
    config = apps.get_app_config("taxonomy")
    assert config.name == "taxonomy"
    assert Topic._meta.app_label == "taxonomy"
    assert Topic._meta.db_table == "taxonomy_topic"
    assert Topic._meta.label == "taxonomy.Topic"


def test_the_migration_graph_still_names_taxonomy_nodes():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    assert ("taxonomy", "0001_initial") in loader.graph.nodes
    dependants = {
        key
        for key, migration in loader.disk_migrations.items()
        if any(dependency[0] == "taxonomy" for dependency in migration.dependencies)
    }
    assert {key[0] for key in dependants} >= {"qa", "directory"}


def test_no_migration_is_pending_after_the_move():
    """Compared with translations off, as `makemigrations` does: a lazy verbose name equals
    the literal in the migration only in the source language, whatever an earlier test on
    this worker left active."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    with translation.override(None):
        changes = MigrationAutodetector(
            loader.project_state(), ProjectState.from_apps(apps)
        ).changes(graph=loader.graph)
    assert "taxonomy" not in changes


@pytest.mark.django_db
def test_rows_written_under_the_old_path_are_read_under_the_new_one():
    """A row written with raw SQL (as the old code's migrations left it) is read by the model."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO taxonomy_topic (name, slug, description, is_active)"
            " VALUES (%s, %s, %s, %s)",
            ["Voirie", "voirie", "", True],
        )
    recorded = MigrationLoader(connection).applied_migrations
    assert ("taxonomy", "0001_initial") in recorded
    assert Topic.objects.get(slug="voirie").name == "Voirie"

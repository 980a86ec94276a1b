"""The « Coordinateurs » group: who may open the coordinator's dashboard (/pilotage/)."""

from django.db import migrations

NAME = "Coordinateurs"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=NAME)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0008_person_check_dates"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]

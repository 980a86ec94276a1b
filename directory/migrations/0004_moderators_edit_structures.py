from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    ("structure", ["add", "change"]),
    ("competence", ["add", "change", "delete"]),
]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now.
    app_config = apps.get_app_config("directory")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators, _ = Group.objects.get_or_create(name="Modérateurs")
    for model, actions in PERMISSIONS:
        for action in actions:
            moderators.permissions.add(
                Permission.objects.get(
                    content_type__app_label="directory", codename=f"{action}_{model}"
                )
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS for action in actions]
    moderators = Group.objects.filter(name="Modérateurs").first()
    if moderators:
        moderators.permissions.remove(
            *Permission.objects.filter(content_type__app_label="directory", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0003_person_search_name_expertise_requests_imports"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

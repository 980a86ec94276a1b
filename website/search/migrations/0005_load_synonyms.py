"""The first list of synonyms and acronyms of local government (website/search/data/
synonyms_fr.txt), and the right for Éditeurs to maintain it in the admin (snippets).

Permissions are normally created after all migrations (post_migrate): they are created here
so that the group can be given them now; `create_permissions` later finds them in place.
"""

from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "synonyms_fr.txt"
EDITOR_PERMISSIONS = {
    "add_synonym": "Can add synonyme de recherche",
    "change_synonym": "Can change synonyme de recherche",
    "delete_synonym": "Can delete synonyme de recherche",
    "view_synonym": "Can view synonyme de recherche",
}


def entries():
    for line in DATA.read_text(encoding="utf-8").splitlines():
        line = " ".join(line.split())
        if line and not line.startswith("#"):
            yield line


def load(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    existing = set(Synonym.objects.values_list("terms", flat=True))
    Synonym.objects.bulk_create(
        [Synonym(terms=terms) for terms in entries() if terms not in existing]
    )
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="search", model="synonym")
    editors = Group.objects.filter(name="Éditeurs").first()
    for codename, name in EDITOR_PERMISSIONS.items():
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        if editors:
            editors.permissions.add(permission)


def unload(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    Synonym.objects.filter(terms__in=list(entries())).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_ranking_synonyms_vocabulary"),
        ("directory", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(load, unload)]

"""Replace Wagtail's welcome page with our HomePage and give the roles their admin rights."""

from django.db import migrations

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]


def create_home(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    HomePage = apps.get_model("pages", "HomePage")

    Locale = apps.get_model("wagtailcore", "Locale")
    Page.objects.filter(depth=2, slug="home").delete()
    home_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="pages")
    home = HomePage.objects.create(
        title="Entraide",
        draft_title="Entraide",
        slug="accueil",
        content_type=home_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/accueil/",
        locale=Locale.objects.order_by("pk").first(),
        introduction=(
            "<p>Entraide est le forum des élus et des agents du Pays A3V : posez vos questions, "
            "partagez vos solutions, trouvez qui contacter.</p>"
        ),
        visitor_text=(
            "<p>Les questions, les réponses et l'annuaire sont réservés aux élus et agents des "
            "collectivités du territoire. Connectez-vous ou demandez un compte.</p>"
        ),
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "Entraide"},
    )
    root = Page.objects.get(depth=1)
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])


def grant_admin_rights(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    editors = Group.objects.get(name="Éditeurs")
    moderators = Group.objects.get(name="Modérateurs")
    editors.permissions.add(access_admin)
    moderators.permissions.add(access_admin)

    root_page = Page.objects.get(depth=1)
    for codename in EDITOR_PAGE_PERMISSIONS:
        permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
        GroupPagePermission.objects.get_or_create(
            group=editors, page=root_page, permission=permission
        )
    root_collection = Collection.objects.get(depth=1)
    for app_label, codenames in {
        "wagtaildocs": ["add_document", "change_document", "choose_document"],
        "wagtailimages": ["add_image", "change_image", "choose_image"],
    }.items():
        for codename in codenames:
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            )
            GroupCollectionPermission.objects.get_or_create(
                group=editors, collection=root_collection, permission=permission
            )


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0001_initial"),
        ("directory", "0002_roles"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [
        migrations.RunPython(create_home, migrations.RunPython.noop),
        migrations.RunPython(grant_admin_rights, migrations.RunPython.noop),
    ]

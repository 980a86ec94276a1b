"""Editorial workflow (a second editor approves), members-only documents, no stray publishers.

- Wagtail's default "Moderators approval" workflow and its English "Moderators"/"Editors"
  groups are replaced: our roles are the French groups of `directory/migrations/0002_roles.py`.
- Éditeurs lose the direct "publish" permission: a page goes live only when another editor
  approves it in the workflow "Relecture par un second éditeur" (task
  `SecondEditorApprovalTask`, which refuses self-approval), assigned to the root page.
- A "Documents réservés aux membres" collection, restricted to the Membres group: Wagtail's
  document view refuses its files to visitors (and to accounts awaiting approval).
"""

from django.db import migrations

WORKFLOW_NAME = "Relecture par un second éditeur"
PRIVATE_COLLECTION = "Documents réservés aux membres"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _base36(number, width=4):
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = ALPHABET[rest] + digits
    return digits.rjust(width, "0")


def setup_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    Task = apps.get_model("wagtailcore", "Task")
    SecondEditorApprovalTask = apps.get_model("pages", "SecondEditorApprovalTask")

    editors = Group.objects.get(name="Éditeurs")
    root = Page.objects.get(depth=1)

    Workflow.objects.filter(name="Moderators approval").update(active=False)
    Task.objects.filter(name="Moderators approval").update(active=False)
    Group.objects.filter(name__in=["Moderators", "Editors"]).delete()

    publish = Permission.objects.get(content_type__app_label="wagtailcore", codename="publish_page")
    GroupPagePermission.objects.filter(group=editors, permission=publish).delete()

    task_type, _ = ContentType.objects.get_or_create(
        app_label="pages", model="secondeditorapprovaltask"
    )
    task = SecondEditorApprovalTask.objects.filter(name="Approbation par un second éditeur").first()
    if task is None:
        task = SecondEditorApprovalTask.objects.create(
            name="Approbation par un second éditeur", content_type=task_type, active=True
        )
    task.groups.add(editors)
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task_id=task.pk, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})


def setup_private_collection(apps, schema_editor):
    Collection = apps.get_model("wagtailcore", "Collection")
    CollectionViewRestriction = apps.get_model("wagtailcore", "CollectionViewRestriction")
    Group = apps.get_model("auth", "Group")

    root = Collection.objects.get(depth=1)
    collection = Collection.objects.filter(depth=2, name=PRIVATE_COLLECTION).first()
    if collection is None:
        last = Collection.objects.filter(depth=2).order_by("-path").first()
        index = int(last.path[-4:], 36) + 1 if last else 1
        collection = Collection.objects.create(
            name=PRIVATE_COLLECTION, path=root.path + _base36(index), depth=2, numchild=0
        )
        root.numchild = Collection.objects.filter(depth=2).count()
        root.save(update_fields=["numchild"])
    restriction, _ = CollectionViewRestriction.objects.get_or_create(
        collection=collection, restriction_type="groups", defaults={"password": ""}
    )
    restriction.groups.add(Group.objects.get(name="Membres"))


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0003_cms_pages"),
        ("wagtailcore", "0098_apitoken"),
        ("directory", "0002_roles"),
    ]

    operations = [
        migrations.RunPython(setup_workflow, migrations.RunPython.noop),
        migrations.RunPython(setup_private_collection, migrations.RunPython.noop),
    ]

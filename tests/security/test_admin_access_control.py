"""Access control in the Wagtail admin and the Django admin: every role × every object action.

The world holds a live page and a draft page submitted to the editorial workflow by editor A,
a document and an image in the members-only collection (uploaded by the superuser), a
structure, a competence, a topic, an account and a group. Each role — visitor, pending
account, member, expert, moderator, editor B, superuser — POSTs to the admin URLs that change
them. A role outside the action's `allowed` set must be refused (the status listed in
`REFUSAL`) AND leave the database as it was (every watched table compared, or for the
"publish" actions, what visitors see); the same request must work for an allowed role, so the
refusals prove something.

What editors may do is the site's policy (migrations `pages/0002` and `pages/0004`): they
draft, edit and submit any page, copy pages (as drafts), and manage documents and images in
every collection; they cannot publish, unpublish, delete or move live pages, change a page's
or collection's privacy, approve their own submission, or touch accounts, groups, structures
and topics. Moderators reach the admin but hold no page, document or image permission.
"""

import io
import json
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PillowImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page

from directory.models import Competence
from tests import factories
from tests.module_transaction import module_transaction
from tests.security.world import writes_so_far
from website.api import services as api_services
from website.api.models import WebhookEndpoint
from website.api.webhooks import services as webhook_services
from website.pages.models import ContentPage, HomePage

ROLES = ["visitor", "pending", "member", "expert", "moderator", "editor", "superuser"]
PRIVATE_COLLECTION = "Documents réservés aux membres"
PUBLIC_HOOK = "https://93.184.215.14/hooks/entraide"  # a public address: no DNS, SSRF guard passes

WATCHED = [
    "wagtailcore.Page",
    "wagtailcore.Revision",
    "wagtailcore.WorkflowState",
    "wagtailcore.TaskState",
    "wagtailcore.PageViewRestriction",
    "wagtailcore.CollectionViewRestriction",
    "wagtailcore.Collection",
    "wagtailcore.GroupPagePermission",
    "wagtailcore.GroupCollectionPermission",
    "wagtaildocs.Document",
    "wagtailimages.Image",
    "directory.User",
    "directory.Structure",
    "directory.Competence",
    "taxonomy.Topic",
    "auth.Group",
    "api.WebhookEndpoint",
    "api.ApiToken",
]


def snapshot():
    tables = {}
    for label in WATCHED:
        model = apps.get_model(label)
        tables[label] = [
            {k: v for k, v in row.items() if k != "last_login"}
            for row in model.objects.order_by("pk").values()
        ]
    tables["group permissions"] = sorted(
        Group.permissions.through.objects.values_list("group_id", "permission_id")
    )
    tables["user groups"] = sorted(
        apps.get_model("directory.User").groups.through.objects.values_list("user_id", "group_id")
    )
    return tables


def png_bytes():
    buffer = io.BytesIO()
    PillowImage.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class World:
    users: dict
    submitter: object
    home: Page
    live: Page
    destination: Page
    draft: Page
    task_state: object
    document: object
    image: object
    collection: Collection
    structure: object
    competence: object
    topic: object
    target: object
    group: Group
    extra: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; each test runs
    inside it in a savepoint of its own (pytest-django's `django_db`), so every test starts
    from this same state (building it took a third of each test's time)."""
    with module_transaction(django_db_blocker):
        yield _build_world()


def _build_world():
    make_user, make_topic = factories.UserFactory, factories.TopicFactory
    superuser = make_user(is_superuser=True, is_staff=True, email="admin.matrice@example.org")
    submitter = make_user(roles=["Éditeurs"], email="editrice.a@example.org")
    users = {
        "visitor": None,
        "pending": make_user(approved_at=None),
        "member": make_user(),
        "expert": make_user(roles=["Experts"]),
        "moderator": make_user(roles=["Modérateurs"]),
        "editor": make_user(roles=["Éditeurs"], email="editeur.b@example.org"),
        "superuser": superuser,
    }
    home = HomePage.objects.get()
    live = home.add_child(
        instance=ContentPage(
            title="Mentions de la matrice", slug="mentions-matrice", owner=superuser
        )
    )
    live.save_revision(user=superuser).publish(user=superuser)
    destination = home.add_child(
        instance=ContentPage(title="Rubrique d'accueil", slug="rubrique-accueil")
    )
    destination.save_revision(user=superuser).publish(user=superuser)
    draft = home.add_child(
        instance=ContentPage(
            title="Brouillon de l'éditrice A",
            slug="brouillon-editrice-a",
            live=False,
            owner=submitter,
            body="<p>Texte relu par un second éditeur.</p>",
        )
    )
    draft.save_revision(user=submitter)
    draft.get_workflow().start(draft, user=submitter)
    draft = ContentPage.objects.get(pk=draft.pk)
    collection = Collection.objects.get(name=PRIVATE_COLLECTION)
    document = get_document_model().objects.create(
        title="Convention réservée",
        collection=collection,
        file=ContentFile(b"contenu-prive-matrice", name="convention-reservee.txt"),
        uploaded_by_user=superuser,
    )
    image = get_image_model().objects.create(
        title="Plan réservé",
        collection=collection,
        file=ImageFile(io.BytesIO(png_bytes()), name="plan-reserve.png"),
        uploaded_by_user=superuser,
    )
    topic = make_topic(name="Voirie", slug="voirie")
    structure = factories.StructureFactory(name="Commune de la Matrice")
    competence = Competence.objects.create(structure=structure, topic=topic)
    return World(
        users=users,
        submitter=submitter,
        home=home,
        live=live,
        destination=destination,
        draft=draft,
        task_state=draft.current_workflow_task_state,
        document=document,
        image=image,
        collection=collection,
        structure=structure,
        competence=competence,
        topic=topic,
        target=make_user(email="compte.cible@example.org"),
        group=Group.objects.get(name="Éditeurs"),
        extra={
            "loose_topic": make_topic(name="Sujet isolé", slug="sujet-isole"),
            "service_token": api_services.service_token_create(
                by=superuser, structure=structure, name="Intranet", scopes=["read"], days=30
            ).token,
            "webhook": webhook_services.endpoint_create(
                endpoint=WebhookEndpoint(
                    name="Intranet", url=PUBLIC_HOOK, events=["question.created"], owner=superuser
                )
            ).endpoint,
        },
    )


def login(client, user):
    if user is not None:
        client.force_login(user)


def published_state():
    """What visitors can see of the page tree: which revision of which page is live, where."""
    return list(
        Page.objects.filter(live=True)
        .order_by("pk")
        .values_list("pk", "live_revision_id", "url_path", "last_published_at")
    ) + [snapshot()["wagtailcore.PageViewRestriction"]]


def draftail(text):
    """A rich-text field as Draftail posts it."""
    block = {
        "key": "matri",
        "type": "unstyled",
        "depth": 0,
        "text": text,
        "inlineStyleRanges": [],
        "entityRanges": [],
    }
    return json.dumps({"blocks": [block], "entityMap": {}})


def page_form(page, **extra):
    """The edit form of a ContentPage as the admin posts it."""
    return {
        "title": page.title,
        "slug": page.slug,
        "body": draftail("Texte modifié dans l'administration."),
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
        **extra,
    }


def login_emails():
    """Login addresses, the account's and allauth's: the Wagtail account page must not move them."""
    from allauth.account.models import EmailAddress

    return [
        list(apps.get_model("directory.User").objects.order_by("pk").values_list("pk", "email")),
        list(EmailAddress.objects.order_by("pk").values_list("user_id", "email", "verified")),
    ]


@dataclass
class Action:
    name: str
    url: object
    data: object
    allowed: frozenset
    guard: object = snapshot
    # Statuses that mean "refused" for a role that reaches the admin but lacks the permission:
    # Wagtail redirects to the admin home with an error message (302) or answers 403.
    refusal: frozenset = frozenset({302, 403, 404})


SUPERUSER = frozenset({"superuser"})
EDITORS = frozenset({"editor", "superuser"})
MODERATORS = frozenset({"moderator", "superuser"})

ACTIONS = [
    # --- Pages ---------------------------------------------------------------------------
    Action(
        "publish editor A's submitted draft through the edit form",
        lambda w: f"/admin/pages/{w.draft.pk}/edit/",
        lambda w: page_form(w.draft, **{"action-publish": "action-publish"}),
        SUPERUSER,
        published_state,
    ),
    Action(
        "publish editor A's submitted draft through the bulk action",
        lambda w: f"/admin/bulk/wagtailcore/page/publish/?id={w.draft.pk}",
        lambda w: {},
        SUPERUSER,
        published_state,
    ),
    Action(
        "unpublish a live page",
        lambda w: f"/admin/pages/{w.live.pk}/unpublish/",
        lambda w: {},
        SUPERUSER,
    ),
    Action(
        "delete a live page",
        lambda w: f"/admin/pages/{w.live.pk}/delete/",
        lambda w: {},
        SUPERUSER,
    ),
    Action(
        "move a live page",
        lambda w: f"/admin/pages/{w.live.pk}/move/{w.destination.pk}/confirm/",
        lambda w: {},
        SUPERUSER,
    ),
    Action(
        "copy a live page and publish the copy",
        lambda w: f"/admin/pages/{w.live.pk}/copy/",
        lambda w: {
            "new_title": "Copie publiée",
            "new_slug": "copie-publiee",
            "new_parent_page": w.home.pk,
            "publish_copies": "on",
        },
        SUPERUSER,
        published_state,
    ),
    Action(
        "make a live page private",
        lambda w: f"/admin/pages/{w.live.pk}/privacy/",
        lambda w: {"restriction_type": "login"},
        SUPERUSER,
    ),
    Action(
        "edit editor A's draft",
        lambda w: f"/admin/pages/{w.draft.pk}/edit/",
        lambda w: page_form(w.draft),
        EDITORS,
    ),
    Action(
        "approve editor A's submission",
        lambda w: f"/admin/pages/workflow/action/{w.draft.pk}/approve/{w.task_state.pk}/",
        lambda w: {},
        EDITORS,
        published_state,
    ),
    # --- Documents, images and the members-only collection ------------------------------
    Action(
        "move the private document to the public collection",
        lambda w: f"/admin/documents/edit/{w.document.pk}/",
        lambda w: {"title": w.document.title, "collection": Collection.get_first_root_node().pk},
        EDITORS,
    ),
    Action(
        "delete the private document",
        lambda w: f"/admin/documents/delete/{w.document.pk}/",
        lambda w: {},
        EDITORS,
    ),
    Action(
        "edit the private image",
        lambda w: f"/admin/images/{w.image.pk}/",
        lambda w: {"title": "Plan renommé", "collection": w.collection.pk},
        EDITORS,
    ),
    Action(
        "delete the private image",
        lambda w: f"/admin/images/{w.image.pk}/delete/",
        lambda w: {},
        EDITORS,
    ),
    Action(
        "make the members-only collection public",
        lambda w: f"/admin/collections/{w.collection.pk}/privacy/",
        lambda w: {"restriction_type": "none"},
        SUPERUSER,
    ),
    Action(
        "rename the members-only collection",
        lambda w: f"/admin/collections/{w.collection.pk}/",
        lambda w: {"name": "Documents publics", "parent": Collection.get_first_root_node().pk},
        SUPERUSER,
    ),
    # --- Directory view sets (Wagtail), topics (Wagtail for editors, Django admin) -------
    Action(
        "edit a structure",
        lambda w: f"/admin/structures/edit/{w.structure.pk}/",
        lambda w: {"name": "Commune renommée", "slug": w.structure.slug, "kind": w.structure.kind},
        MODERATORS,
    ),
    Action(
        "delete a structure",
        lambda w: f"/admin/structures/delete/{w.structure.pk}/",
        lambda w: {},
        SUPERUSER,
    ),
    Action(
        "delete a competence",
        lambda w: f"/admin/competences/delete/{w.competence.pk}/",
        lambda w: {},
        MODERATORS,
    ),
    # --- Webhooks (website/api/wagtail_hooks.py) ---------------------------------------------
    Action(
        "register a webhook",
        lambda w: "/admin/webhooks/new/",
        lambda w: {"name": "Site de la mairie", "url": PUBLIC_HOOK, "events": ["answer.accepted"]},
        MODERATORS,
    ),
    Action(
        "edit a webhook",
        lambda w: f"/admin/webhooks/edit/{w.extra['webhook'].pk}/",
        lambda w: {"name": "Intranet renommé", "url": PUBLIC_HOOK, "events": ["answer.accepted"]},
        MODERATORS,
    ),
    Action(
        "delete a webhook",
        lambda w: f"/admin/webhooks/delete/{w.extra['webhook'].pk}/",
        lambda w: {},
        MODERATORS,
    ),
    Action(
        "renew a webhook's secret",
        lambda w: f"/admin/webhooks/secret/{w.extra['webhook'].pk}/",
        lambda w: {},
        MODERATORS,
    ),
    # --- Service tokens of a structure (website/api/wagtail_hooks.py) -----------------------
    Action(
        "create a structure's service token",
        lambda w: "/admin/jetons-de-service/new/",
        lambda w: {"structure": w.structure.pk, "name": "Site", "scopes": ["read"], "days": "30"},
        MODERATORS,
    ),
    Action(
        "revoke a structure's service token",
        lambda w: f"/admin/jetons-de-service/edit/{w.extra['service_token'].pk}/",
        lambda w: {"name": "Intranet", "revoke": "on"},
        MODERATORS,
    ),
    Action(
        "edit a topic's guide and question template in the Wagtail admin",
        lambda w: f"/admin/sujets/edit/{w.topic.pk}/",
        lambda w: {
            "description": w.topic.description,
            "ask_guide": "Précisez la voie concernée.",
            "ask_template": "Commune :\nÉchéance :",
        },
        EDITORS,
    ),
    Action(
        "delete a topic in the Wagtail admin",
        lambda w: f"/admin/sujets/delete/{w.extra['loose_topic'].pk}/",
        lambda w: {},
        SUPERUSER,
    ),
    Action(
        "edit a topic in the Django admin",
        lambda w: f"/django-admin/taxonomy/topic/{w.topic.pk}/change/",
        lambda w: {"name": "Voirie renommée", "slug": "voirie", "is_active": "on"},
        SUPERUSER,
    ),
    Action(
        "delete a topic in the Django admin",
        lambda w: f"/django-admin/taxonomy/topic/{w.extra['loose_topic'].pk}/delete/",
        lambda w: {"post": "yes"},
        SUPERUSER,
    ),
    # --- Accounts and groups ---------------------------------------------------------------
    Action(
        "make an account superuser",
        lambda w: f"/admin/users/edit/{w.target.pk}/",
        lambda w: {
            "email": w.target.email,
            "first_name": w.target.first_name,
            "last_name": w.target.last_name,
            "is_active": "on",
            "is_superuser": "on",
            "groups": [w.group.pk],
        },
        SUPERUSER,
    ),
    Action(
        "delete an account",
        lambda w: f"/admin/users/delete/{w.target.pk}/",
        lambda w: {},
        SUPERUSER,
    ),
    Action(
        "create an account",
        lambda w: "/admin/users/new/",
        lambda w: {
            "email": "cree.admin@example.org",
            "first_name": "Compte",
            "last_name": "Créé",
            "is_active": "on",
            "is_superuser": "on",
        },
        SUPERUSER,
    ),
    Action(
        "delete the editors' group",
        lambda w: f"/admin/groups/delete/{w.group.pk}/",
        lambda w: {},
        SUPERUSER,
    ),
    Action(
        "rename the editors' group in the Django admin",
        lambda w: f"/django-admin/auth/group/{w.group.pk}/change/",
        lambda w: {"name": "Éditeurs pirates"},
        SUPERUSER,
    ),
    Action(
        "change one's login e-mail in the Wagtail account page",
        lambda w: "/admin/account/",
        lambda w: {
            "name_email-first_name": "Prénom",
            "name_email-last_name": "Nom",
            "name_email-email": "nouvelle.adresse.admin@example.org",
            "theme-theme": "system",
            "theme-contrast": "system",
            "theme-density": "default",
            "locale-preferred_language": "fr",
        },
        frozenset(),
        login_emails,
        # The page saves the other settings; the e-mail field is gone.
        frozenset({200, 302}),
    ),
]


def post_as(client, world, role, action):
    """The action's POST by `role`, inside a transaction rolled back afterwards, so that one
    world serves every role (building it is the slow part). The guard is read again only if
    the request wrote a row: otherwise the database is as it was (`writes_so_far`)."""
    with transaction.atomic():
        client.logout()
        login(client, world.users[role])
        before = action.guard()
        writes = writes_so_far()
        response = client.post(action.url(world), action.data(world))
        after = before if writes_so_far() == writes else action.guard()
        transaction.set_rollback(True)
    return response, before, after


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS, ids=[action.name for action in ACTIONS])
def test_an_admin_action_is_refused_to_the_roles_without_permission(client, world, action):
    for role in (role for role in ROLES if role not in action.allowed):
        response, before, after = post_as(client, world, role, action)
        status, location = response.status_code, response.get("Location", "")
        if role in ("visitor", "member", "expert"):
            # No admin access: to the login page (the Django admin's goes on to allauth's).
            assert status == 302, (role, status)
            assert location.startswith(("/comptes/login/", "/django-admin/login/")), location
        elif role == "pending":
            assert status == 302 and location == "/compte/en-attente/", (role, location)
        else:
            assert status in action.refusal, (role, status)
        assert after == before, f"{role} changed the database through {action.name!r}"


ALLOWED = [action for action in ACTIONS if action.allowed]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ALLOWED, ids=[action.name for action in ALLOWED])
def test_the_same_admin_request_works_for_the_roles_allowed(client, world, action):
    """Without this, a refusal could come from a malformed request rather than a permission."""
    for role in sorted(action.allowed):
        response, before, after = post_as(client, world, role, action)
        assert response.status_code in (200, 302), (role, response.status_code)
        assert after != before, f"{role} could not {action.name}: the refusal proves nothing"


# --- What editors do without publishing --------------------------------------------------------


@pytest.mark.django_db
def test_an_editor_asking_to_publish_only_saves_a_draft(client, world):
    editor = world.users["editor"]
    client.force_login(editor)
    published = published_state()
    client.post(
        f"/admin/pages/{world.live.pk}/edit/",
        page_form(world.live, title="Titre jamais publié", **{"action-publish": "1"}),
    )
    assert published_state() == published
    page = ContentPage.objects.get(pk=world.live.pk)
    assert page.title == "Mentions de la matrice"
    assert page.has_unpublished_changes
    assert page.get_latest_revision().user_id == editor.pk


@pytest.mark.django_db
def test_an_editor_copy_of_a_live_page_stays_a_draft(client, world):
    client.force_login(world.users["editor"])
    response = client.post(
        f"/admin/pages/{world.live.pk}/copy/",
        {
            "new_title": "Copie publiée",
            "new_slug": "copie-publiee",
            "new_parent_page": world.home.pk,
            "publish_copies": "on",
        },
    )
    assert response.status_code == 302
    copy = Page.objects.get(slug="copie-publiee")
    assert not copy.live


# --- The editorial workflow: a second, uninvolved editor approves -----------------------------


def approve(client, user, page, task_state):
    client.force_login(user)
    return client.post(f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/", {})


@pytest.mark.django_db
def test_the_submitter_cannot_approve_their_own_page(client, world):
    published = published_state()
    response = approve(client, world.submitter, world.draft, world.task_state)
    assert response.status_code in (302, 403)
    assert published_state() == published
    assert not ContentPage.objects.get(pk=world.draft.pk).live


@pytest.mark.django_db
def test_an_editor_who_changed_a_submitted_page_cannot_approve_it(client, world, make_user):
    """Finding fixed: editor B could rewrite A's submission, then approve and publish it."""
    editor = world.users["editor"]
    client.force_login(editor)
    client.post(f"/admin/pages/{world.draft.pk}/edit/", page_form(world.draft, title="Texte de B"))
    page = ContentPage.objects.get(pk=world.draft.pk)
    assert page.get_latest_revision().user_id == editor.pk
    response = approve(client, editor, page, page.current_workflow_task_state)
    assert response.status_code in (302, 403)
    assert not ContentPage.objects.get(pk=world.draft.pk).live
    # A third editor, who wrote nothing, may approve: the submission, then B's revision (an
    # approval covers one revision), and the page goes live with B's text.
    third = make_user(roles=["Éditeurs"])
    for _revision in ("A's", "B's"):
        page = ContentPage.objects.get(pk=world.draft.pk)
        assert not page.live
        approve(client, third, page, page.current_workflow_task_state)
    page = ContentPage.objects.get(pk=world.draft.pk)
    assert page.live and page.title == "Texte de B"


@pytest.mark.django_db
def test_changes_made_after_the_review_are_not_published_by_an_earlier_approval(client, world):
    """Finding fixed: the submitter edited after submitting; approving the submission
    published the unreviewed text. Now the approval covers its revision only."""
    client.force_login(world.submitter)
    client.post(
        f"/admin/pages/{world.draft.pk}/edit/", page_form(world.draft, title="Ajout non relu")
    )
    reviewer = world.users["editor"]
    approve(client, reviewer, world.draft, world.task_state)
    page = ContentPage.objects.get(pk=world.draft.pk)
    assert not page.live
    # A new approval, on the latest revision, is waiting.
    task_state = page.current_workflow_task_state
    assert task_state.pk != world.task_state.pk
    assert task_state.revision_id == page.latest_revision_id
    approve(client, reviewer, page, task_state)
    page = ContentPage.objects.get(pk=world.draft.pk)
    assert page.live and page.title == "Ajout non relu"


# --- Reading the members-only collection ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_private_document_is_served_to_members_only(client, world, role):
    login(client, world.users[role])
    response = client.get(world.document.url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if role == "visitor":
        assert response.status_code == 302
        assert response["Location"].startswith("/comptes/login/")
    elif role == "pending":
        assert response.status_code == 302
        assert response["Location"].startswith(("/compte/en-attente/", "/comptes/login/"))
    else:
        assert response.status_code == 200 and body == b"contenu-prive-matrice"
        return
    assert b"contenu-prive-matrice" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["moderator", "editor", "superuser"])
def test_the_wagtail_account_page_offers_no_e_mail_nor_password_field(client, world, role):
    client.force_login(world.users[role])
    html = client.get("/admin/account/").content.decode()
    assert 'name="name_email-first_name"' in html
    assert 'name="name_email-email"' not in html
    assert 'name="password-new_password1"' not in html

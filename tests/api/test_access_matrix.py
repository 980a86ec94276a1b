"""Every endpoint × visitor / pending / member / moderator / editor × scope: who gets what,
and a refused request changes nothing."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from directory.models import Person, Position, Structure
from qa import services as qa_services
from qa.agenda import services as agenda_services
from qa.models import Answer, Comment, Flag, Question, QuestionFollow, TopicFollow, Vote
from tests import factories
from tests.module_transaction import module_transaction
from website.api import services as api_services
from website.api.api import api as api_v1
from website.pages.models import (
    HomePage,
    RegulatoryIndexPage,
    RegulatoryKind,
    RegulatoryUpdatePage,
)
from website.search import services as search_services
from website.search.backends import reset_backends

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # formatted with the world's ids
    scope: str
    payload: dict | None = None
    ok: int = 200
    visitor_may_read: bool = False  # without PUBLIC_READ
    refused_roles: tuple = ()  # roles the site itself refuses (403 `forbidden`)
    # Roles the account itself must hold, whatever the token acts as (else 403 `forbidden`).
    account_roles: tuple = ()
    upload: bytes | None = None  # sent as the multipart `file` field instead of JSON


ENDPOINTS = [
    Endpoint("list", "get", "/questions", "read"),
    Endpoint("detail", "get", "/questions/{question}", "read"),
    Endpoint("topics", "get", "/topics", "read"),
    # The site's search answers visitors too (public pages only): so does the API.
    Endpoint("search", "get", "/search?q=groupement", "read", visitor_may_read=True),
    # The FAQ and the regulatory watch are public pages of the site.
    Endpoint("faq", "get", "/faq", "read", visitor_may_read=True),
    Endpoint("veille", "get", "/veille", "read", visitor_may_read=True),
    Endpoint("veille_detail", "get", "/veille/{update}", "read", visitor_may_read=True),
    # The directory is members-only, even with PUBLIC_READ.
    Endpoint("people", "get", "/people", "read:directory"),
    Endpoint("person", "get", "/people/{person}", "read:directory"),
    Endpoint("structures", "get", "/structures", "read:directory"),
    Endpoint("structure", "get", "/structures/{structure}", "read:directory"),
    # The agenda: members, and visitors when PUBLIC_READ.
    Endpoint("meetings", "get", "/agenda/meetings", "read"),
    Endpoint("meeting", "get", "/agenda/meetings/{meeting}", "read"),
    Endpoint("proposals", "get", "/agenda/proposals", "read"),
    Endpoint("proposal", "get", "/agenda/proposals/{proposal}", "read"),
    # Wagtail's page permissions: editors add pages under /veille/, moderators do not.
    Endpoint(
        "veille_create",
        "post",
        "/veille",
        "write:veille",
        {
            "title": "Décret sur le déneigement",
            "kind": "decret",
            "official_reference": "Décret n° 2026-12 du 2 décembre 2026",
            "publication_date": "2026-12-02",
            "topics": ["commande-publique"],
            "summary": "Les communes délibèrent avant l'hiver.",
        },
        201,
        refused_roles=("member", "moderator"),
    ),
    Endpoint(
        "ask",
        "post",
        "/questions",
        "write:posts",
        {
            "title": "Qui déneige les routes communales ?",
            "body": "La commune ou la CC, quand la compétence voirie a été transférée ?",
            "topics": ["commande-publique"],
        },
        201,
    ),
    Endpoint(
        "answer",
        "post",
        "/questions/{question}/answers",
        "write:posts",
        {"body": "La convention de groupement précise le coordonnateur."},
        201,
    ),
    Endpoint(
        "comment_question",
        "post",
        "/questions/{question}/comments",
        "write:posts",
        {"body": "Quelle taille de commune ?"},
        201,
    ),
    Endpoint(
        "comment_answer",
        "post",
        "/answers/{answer}/comments",
        "write:posts",
        {"body": "Merci, c'est clair."},
        201,
    ),
    Endpoint("vote_question", "put", "/questions/{question}/vote", "write:posts", {"value": 1}),
    Endpoint("vote_answer", "put", "/answers/{answer}/vote", "write:posts", {"value": -1}),
    # In the world below, the member and the moderator asked nothing: only the moderator may.
    Endpoint(
        "accept",
        "put",
        "/answers/{answer}/accept",
        "write:posts",
        {"accepted": True},
        refused_roles=("member", "editor"),
    ),
    Endpoint(
        "follow_question", "put", "/questions/{question}/follow", "write:posts", {"following": True}
    ),
    Endpoint("follow_topic", "put", "/topics/{topic}/follow", "write:posts", {"following": True}),
    Endpoint(
        "flag_question",
        "post",
        "/questions/{question}/flags",
        "write:posts",
        {"reason": "spam"},
        201,
    ),
    Endpoint(
        "flag_answer",
        "post",
        "/answers/{answer}/flags",
        "write:posts",
        {"reason": "other", "text": "Ce lien est mort."},
        201,
    ),
    Endpoint(
        "flag_comment", "post", "/comments/{comment}/flags", "write:posts", {"reason": "rude"}, 201
    ),
    # The directory import (a dry run here): `admin:import`, and a moderator's account.
    Endpoint(
        "directory_import",
        "post",
        "/annuaire/import",
        "admin:import",
        account_roles=("moderator",),
        upload=b"Prenom;Nom;Structure;Mail;Fonction\nJean;Testeur;Mairie de Barreme;j@example.org;"
        b"Maire\n",
    ),
]

# What undoes a successful write, so that the next role starts from scratch.
UNDO = {
    "accept": {"accepted": False},
    "follow_question": {"following": False},
    "follow_topic": {"following": False},
    "vote_question": {"value": 0},
    "vote_answer": {"value": 0},
}


def test_the_matrix_covers_every_operation_of_the_schema():
    schema = api_v1.get_openapi_schema()
    operations = {
        (method, path.removeprefix("/api/v1"))
        for path, item in schema["paths"].items()
        for method in item
    }
    covered = {(e.method, e.path.split("?")[0]) for e in ENDPOINTS}
    names = {
        "{question_id}": "{question}",
        "{answer_id}": "{answer}",
        "{comment_id}": "{comment}",
        "{topic_slug}": "{topic}",
        "{update_id}": "{update}",
        "{person_id}": "{person}",
        "{slug}": "{structure}",
        "{meeting_id}": "{meeting}",
        "{proposal_id}": "{proposal}",
    }
    normalised = set()
    for method, path in operations:
        for name, short in names.items():
            path = path.replace(name, short)
        normalised.add((method, path))
    assert normalised == covered


SCOPE_SETS = (
    ("read",),
    ("write:posts",),
    ("read", "write:posts"),
    ("read:directory",),
    ("write:veille",),
)
ROLES = ("pending", "member", "moderator", "editor")


def _update(topic) -> RegulatoryUpdatePage:
    index = RegulatoryIndexPage.objects.first()
    if index is None:
        index = RegulatoryIndexPage(title="Veille réglementaire", slug="veille")
        HomePage.objects.get().add_child(instance=index)
        index.save_revision().publish()
    update = RegulatoryUpdatePage(
        title="Loi sur les communes nouvelles",
        slug="loi-communes-nouvelles",
        kind=RegulatoryKind.LAW,
        official_reference="Loi n° 2026-1 du 5 janvier 2026",
        publication_date=datetime.date(2026, 1, 5),
        summary="Ce qui change pour les fusions.",
    )
    update.topics = [topic]
    index.add_child(instance=update)
    update.save_revision().publish()
    return update


def _build_world():
    make_user = factories.UserFactory
    topic = factories.TopicFactory(name="Commande publique", slug="commande-publique")
    asker, answerer = make_user(), make_user()
    question = qa_services.question_create(
        author=asker,
        title="Comment monter un groupement de commandes ?",
        body="Nous voudrions acheter du sel à plusieurs communes.",
        topics=[topic],
    )
    answer = qa_services.answer_create(
        question=question, author=answerer, body="Voyez la convention constitutive type."
    )
    comment = qa_services.comment_create(post=answer, author=asker, body="Merci beaucoup.")
    position = factories.PositionFactory()
    meeting = agenda_services.meeting_create(
        created_by=make_user(roles=["Modérateurs"]),
        title="Temps d'échange de décembre",
        starts_at=timezone.now() + datetime.timedelta(days=10),
        place="Salle du conseil",
    )
    proposal = agenda_services.proposal_create(
        author=asker,
        title="Mutualiser le déneigement",
        rationale="Les petites communes n'ont pas d'engin.",
        topics=[topic],
    )
    update = _update(topic)
    search_services.rebuild()
    users = {
        "pending": make_user(approved_at=None),
        "member": make_user(),
        "moderator": make_user(roles=["Modérateurs"]),
        "editor": make_user(roles=["Éditeurs"]),
    }

    def make_token(user, scopes):
        return api_services.token_create(
            user=user, name="Script de test", scopes=list(scopes), days=90
        )

    tokens = {}
    for role, user in users.items():
        for scopes in SCOPE_SETS:
            tokens[role, scopes] = make_token(user, scopes).secret
    superuser = make_user(is_superuser=True)
    for role, scopes in ADMIN_CASES:
        new = make_token(users[role], [s for s in scopes if not s.startswith("admin:")])
        for scope in scopes:
            if scope.startswith("admin:"):
                api_services.token_admin_grant(token=new.token, by=superuser, scope=scope)
        tokens[role, scopes] = new.secret
    return {
        "question": question.pk,
        "answer": answer.pk,
        "comment": comment.pk,
        "topic": topic.slug,
        "update": update.pk,
        "person": position.person_id,
        "structure": position.structure.slug,
        "meeting": meeting.pk,
        "proposal": proposal.pk,
        "tokens": tokens,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The posts, pages, 27 tokens and the search index, built once for the module inside a
    transaction rolled back at its end; each test runs in a savepoint of its own
    (pytest-django's `django_db`), so every test starts from this same state. The search index
    is not touched by the tests: the site indexes on commit, and nothing commits here."""
    folder = tmp_path_factory.mktemp("api-matrix-search")
    with override_settings(SEARCH_BACKEND="whoosh", SEARCH_INDEX_DIR=str(folder)):
        reset_backends()
        try:
            with module_transaction(django_db_blocker):
                yield _build_world()
        finally:
            reset_backends()


# What a refused request must leave as it was: these tables' row counts, and which answer
# each question has accepted.
COUNTED = (
    Question,
    Answer,
    Comment,
    Vote,
    Flag,
    QuestionFollow,
    TopicFollow,
    RegulatoryUpdatePage,
    Person,
    Position,
    Structure,
)


def _counts():
    """The row counts of `COUNTED` in one query (read before each call of the matrix and after
    each refusal), and each question's accepted answer."""
    quote = connection.ops.quote_name
    # Table names come from the models, quoted by the backend: no outside input.
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in COUNTED)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        row = cursor.fetchone()
    accepted = Question.objects.order_by("pk").values_list("accepted_answer_id", flat=True)
    return row, list(accepted)


def _call(api, secret, endpoint, world):
    client = api(secret)
    path = endpoint.path.format(**world)
    if endpoint.upload is not None:
        upload = {"file": SimpleUploadedFile("liste.csv", endpoint.upload)}
        return client.client.post("/api/v1" + path, upload, **client.headers)
    if endpoint.method == "get":
        return client.get(path)
    return getattr(client, endpoint.method)(path, endpoint.payload)


def _acting_role(role, scopes) -> str:
    """The role a token acts with: a moderator's or an editor's only with `admin:staff`, and an
    editor's editing role also with `write:veille`; otherwise a plain member's."""
    if role in ("moderator", "editor") and "admin:staff" not in scopes:
        return "editor" if role == "editor" and "write:veille" in scopes else "member"
    return role


def _expected(role, scopes, endpoint, public_read) -> tuple[int, str | None]:
    if role == "visitor":
        if endpoint.scope == "read" and (endpoint.visitor_may_read or public_read):
            return endpoint.ok, None
        return 401, "authentication_required"
    if role == "pending":
        return 403, "account_not_active"
    if endpoint.scope not in scopes:
        return 403, "insufficient_scope"
    if _acting_role(role, scopes) in endpoint.refused_roles:
        return 403, "forbidden"
    if endpoint.account_roles and role not in endpoint.account_roles:
        return 403, "forbidden"
    return endpoint.ok, None


# Staff tokens that a superuser gave `admin:staff` or `admin:import` (the account page never
# offers them).
ADMIN_CASES = [
    ("member", ("admin:staff", "read", "write:posts")),
    ("moderator", ("admin:staff", "read", "write:posts")),
    ("moderator", ("admin:staff", "read")),
    # `admin:import`, given by a superuser too: the import needs a moderator's account.
    ("member", ("admin:import", "read")),
    ("moderator", ("admin:import", "read")),
    ("editor", ("admin:import", "read:directory")),
]
CASES = (
    [("visitor", ())] + [(role, scopes) for role in ROLES for scopes in SCOPE_SETS] + ADMIN_CASES
)


@pytest.mark.parametrize("public_read", [False, True], ids=["members-only", "public-read"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_each_role_and_scope_gets_what_the_site_allows(settings, api, world, endpoint, public_read):
    settings.PUBLIC_READ = public_read
    problems = []
    for role, scopes in CASES:
        cache.clear()  # posting budgets
        Flag.objects.all().delete()  # so that each role's report is a new one
        drafts = RegulatoryUpdatePage.objects.exclude(pk=world["update"])  # made by the API
        if drafts.exists():
            drafts.delete()
        secret = world["tokens"][role, scopes] if role != "visitor" else None
        before = _counts()
        response = _call(api, secret, endpoint, world)
        status, code = _expected(role, scopes, endpoint, public_read)
        got_code = response.json().get("code") if response.status_code >= 400 else None
        if (response.status_code, got_code) != (status, code):
            problems.append(
                f"{role} {scopes}: {response.status_code} {got_code}, expected {status} {code}"
            )
        if response.status_code >= 400 and _counts() != before:
            problems.append(f"{role} {scopes}: refused but changed the database")
        if response.status_code < 400 and endpoint.name in UNDO:
            undo = Endpoint("", "put", endpoint.path, "", UNDO[endpoint.name])
            assert _call(api, secret, undo, world).status_code == 200
    assert not problems, "\n".join(problems)

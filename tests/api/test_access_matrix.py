"""Every endpoint × visitor / pending / member / moderator × scope: who gets what, and a
refused request changes nothing."""

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from qa import services as qa_services
from qa.models import Answer, Comment, Flag, Question, QuestionFollow, TopicFollow, Vote
from website.api import services as api_services
from website.api.api import api as api_v1

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
    members_refused: bool = False  # the site lets only the asker or a moderator do it


ENDPOINTS = [
    Endpoint("list", "get", "/questions", "read"),
    Endpoint("detail", "get", "/questions/{question}", "read"),
    Endpoint("topics", "get", "/topics", "read"),
    # The site's search answers visitors too (public pages only): so does the API.
    Endpoint("search", "get", "/search?q=groupement", "read", visitor_may_read=True),
    # The FAQ and the regulatory watch are public pages of the site.
    Endpoint("faq", "get", "/faq", "read", visitor_may_read=True),
    Endpoint("veille", "get", "/veille", "read", visitor_may_read=True),
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
        members_refused=True,
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
    }
    normalised = set()
    for method, path in operations:
        for name, short in names.items():
            path = path.replace(name, short)
        normalised.add((method, path))
    assert normalised == covered


@pytest.fixture
def world(make_user, make_question, make_answer, make_token, search_index, topic):
    asker, answerer = make_user(), make_user()
    question = make_question(author=asker)
    answer = make_answer(question=question, author=answerer)
    comment = qa_services.comment_create(post=answer, author=asker, body="Merci beaucoup.")
    search_index()
    users = {
        "pending": make_user(approved_at=None),
        "member": make_user(),
        "moderator": make_user(roles=["Modérateurs"]),
    }
    tokens = {}
    for role, user in users.items():
        for scopes in (("read",), ("write:posts",), ("read", "write:posts")):
            tokens[role, scopes] = make_token(user, scopes=scopes).secret
    superuser = make_user(is_superuser=True)
    for role, scopes in ADMIN_CASES:
        new = make_token(users[role], scopes=[s for s in scopes if s != "admin:staff"])
        api_services.token_admin_grant(token=new.token, by=superuser)
        tokens[role, scopes] = new.secret
    return {
        "question": question.pk,
        "answer": answer.pk,
        "comment": comment.pk,
        "topic": topic.slug,
        "tokens": tokens,
    }


def _counts():
    return (
        Question.objects.count(),
        Answer.objects.count(),
        Comment.objects.count(),
        Vote.objects.count(),
        Flag.objects.count(),
        QuestionFollow.objects.count(),
        TopicFollow.objects.count(),
        list(Question.objects.values_list("accepted_answer_id", flat=True)),
    )


def _call(api, secret, endpoint, world):
    client = api(secret)
    path = endpoint.path.format(**world)
    if endpoint.method == "get":
        return client.get(path)
    return getattr(client, endpoint.method)(path, endpoint.payload)


def _expected(role, scopes, endpoint, public_read) -> tuple[int, str | None]:
    if role == "visitor":
        if endpoint.scope == "read" and (endpoint.visitor_may_read or public_read):
            return endpoint.ok, None
        return 401, "authentication_required"
    if role == "pending":
        return 403, "account_not_active"
    if endpoint.scope not in scopes:
        return 403, "insufficient_scope"
    # A moderator's token acts with the role only with admin:staff (given by a superuser).
    if endpoint.members_refused and (role == "member" or "admin:staff" not in scopes):
        return 403, "forbidden"
    return endpoint.ok, None


ADMIN_CASES = [
    ("member", ("admin:staff", "read", "write:posts")),
    ("moderator", ("admin:staff", "read", "write:posts")),
    ("moderator", ("admin:staff", "read")),
]
CASES = (
    [("visitor", ())]
    + [
        (role, scopes)
        for role in ("pending", "member", "moderator")
        for scopes in (("read",), ("write:posts",), ("read", "write:posts"))
    ]
    + ADMIN_CASES
)


@pytest.mark.parametrize("public_read", [False, True], ids=["members-only", "public-read"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_each_role_and_scope_gets_what_the_site_allows(settings, api, world, endpoint, public_read):
    settings.PUBLIC_READ = public_read
    problems = []
    for role, scopes in CASES:
        cache.clear()  # posting budgets
        Flag.objects.all().delete()  # so that each role's report is a new one
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

"""The permission matrix: every (role × action × state) cell, checked on the predicates and,
for the actions with a page or a POST endpoint, on the HTTP answer too."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from directory.models import User
from qa import permissions, services
from qa.models import Answer, CloseReason, Question
from tests import factories
from tests.module_transaction import module_transaction

pytestmark = pytest.mark.django_db

ROLES = ["visitor", "pending", "member", "author", "expert_in", "expert_out", "moderator"]
STATES = ["open", "closed", "locked", "deleted"]
EVERY_MEMBER = {"member", "author", "expert_in", "expert_out", "moderator"}
NOT_AUTHOR = EVERY_MEMBER - {"author"}

# action → state → roles allowed. The target is the question, except for accept and
# validate (an answer written by a third member).
MATRIX = {
    "view": {"open": EVERY_MEMBER, "closed": EVERY_MEMBER, "locked": EVERY_MEMBER,
             "deleted": {"moderator"}},
    "answer": {"open": EVERY_MEMBER, "closed": set(), "locked": set(), "deleted": set()},
    "comment": {"open": EVERY_MEMBER, "closed": EVERY_MEMBER, "locked": set(), "deleted": set()},
    "vote": {"open": NOT_AUTHOR, "closed": NOT_AUTHOR, "locked": set(), "deleted": set()},
    "same_problem": {"open": NOT_AUTHOR, "closed": NOT_AUTHOR, "locked": set(), "deleted": set()},
    "accept": {"open": {"author", "moderator"}, "closed": {"author", "moderator"},
               "locked": set(), "deleted": set()},
    "validate": {"open": {"expert_in"}, "closed": {"expert_in"}, "locked": set(),
                 "deleted": set()},
    "edit": {"open": {"author", "moderator"}, "closed": {"author", "moderator"},
             "locked": {"moderator"}, "deleted": {"moderator"}},
    "flag": {"open": NOT_AUTHOR, "closed": NOT_AUTHOR, "locked": NOT_AUTHOR, "deleted": set()},
    "rollback": {state: {"moderator"} for state in STATES},
    "close": {"open": {"moderator"}, "closed": set(), "locked": {"moderator"}, "deleted": set()},
    "reopen": {"open": set(), "closed": {"moderator"}, "locked": set(), "deleted": set()},
    "lock": {"open": {"moderator"}, "closed": {"moderator"}, "locked": set(), "deleted": set()},
    "delete": {"open": {"moderator"}, "closed": {"moderator"}, "locked": {"moderator"},
               "deleted": set()},
    "restore": {"open": set(), "closed": set(), "locked": set(), "deleted": {"moderator"}},
}  # fmt: skip

PREDICATES = {
    "view": lambda user, q, a: permissions.can_view_question(user, q),
    "answer": lambda user, q, a: permissions.can_answer(user, q),
    "comment": lambda user, q, a: permissions.can_comment(user, q),
    "vote": lambda user, q, a: permissions.can_vote(user, q),
    "same_problem": lambda user, q, a: permissions.can_same_problem(user, q),
    "accept": lambda user, q, a: permissions.can_accept(user, a),
    "validate": lambda user, q, a: permissions.can_validate(user, a),
    "edit": lambda user, q, a: permissions.can_edit_post(user, q),
    "flag": lambda user, q, a: permissions.can_flag(user, q),
    "rollback": lambda user, q, a: permissions.can_rollback(user, q),
    "close": lambda user, q, a: permissions.can_close(user, q),
    "reopen": lambda user, q, a: permissions.can_reopen(user, q),
    "lock": lambda user, q, a: permissions.can_lock(user, q),
    "delete": lambda user, q, a: permissions.can_delete_post(user, q),
    "restore": lambda user, q, a: permissions.can_restore_post(user, q),
}


@pytest.fixture(scope="module")
def world_rows(django_db_setup, django_db_blocker):
    """The accounts, the question and its answer, built once for the module inside a
    transaction rolled back at its end (each test runs in a savepoint of its own): their ids."""
    with module_transaction(django_db_blocker):
        make_user, make_topic = factories.UserFactory, factories.TopicFactory
        topic = make_topic(name="Commande publique", slug="commande-publique")
        author = make_user()
        question = services.question_create(
            author=author,
            title="Comment monter un groupement de commandes ?",
            body="Nous voudrions acheter du sel de déneigement à plusieurs communes.",
            topics=[topic],
        )
        answer = services.answer_create(
            question=question, author=make_user(), body="Voyez la convention constitutive type."
        )
        accounts = {
            "pending": make_user(approved_at=None),
            "member": make_user(),
            "author": author,
            "expert_in": factories.topic_expert(topic),
            "expert_out": factories.topic_expert(
                make_topic(name="Petite enfance", slug="petite-enfance")
            ),
            "moderator": make_user(roles=["Modérateurs"]),
        }
        yield {role: user.pk for role, user in accounts.items()}, question.pk, answer.pk


@pytest.fixture
def world(world_rows):
    """Fresh copies of the module's rows for each test, which changes the question's state."""
    account_ids, question_id, answer_id = world_rows
    accounts = User.objects.in_bulk(account_ids.values())
    users = {"visitor": AnonymousUser()} | {role: accounts[pk] for role, pk in account_ids.items()}
    return users, Question.objects.get(pk=question_id), Answer.objects.get(pk=answer_id)


def _set_state(question, state):
    now = timezone.now()
    if state == "closed":
        question.closed_at, question.close_reason = now, CloseReason.RESOLVED
    elif state == "locked":
        question.locked_at = now
    elif state == "deleted":
        question.deleted_at = now
    question.save()


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(MATRIX))
def test_permission_matrix(world, action, state):
    users, question, answer = world
    _set_state(question, state)
    answer.question = question
    allowed = {role for role in ROLES if PREDICATES[action](users[role], question, answer)}
    assert allowed == MATRIX[action][state], f"{action} on a {state} question"


def test_matrix_covers_every_role_action_and_state():
    assert set(MATRIX) == set(PREDICATES)
    for cells in MATRIX.values():
        assert set(cells) == set(STATES)
        for roles in cells.values():
            assert roles <= set(ROLES)


# --- The same rules over HTTP ---------------------------------------------------------------

ENDPOINTS = {
    # action → (method, url builder, data)
    "view": ("get", lambda q, a: q.get_absolute_url(), None),
    "answer": ("post", lambda q, a: f"/questions/{q.pk}/repondre/", {"body": "Une réponse."}),
    "comment": ("post", lambda q, a: f"/questions/{q.pk}/commenter/", {"body": "Un mot."}),
    "vote": ("post", lambda q, a: f"/questions/{q.pk}/voter/", {"value": "1"}),
    "same_problem": ("post", lambda q, a: f"/questions/{q.pk}/meme-probleme/", {}),
    "accept": ("post", lambda q, a: f"/reponses/{a.pk}/accepter/", {}),
    "validate": ("post", lambda q, a: f"/reponses/{a.pk}/valider/", {}),
    "edit": ("get", lambda q, a: f"/questions/{q.pk}/modifier/", None),
    "flag": ("get", lambda q, a: f"/questions/{q.pk}/signaler/", None),
    "lock": ("post", lambda q, a: f"/questions/{q.pk}/verrouiller/", {}),
    "restore": ("post", lambda q, a: f"/questions/{q.pk}/restaurer/", {}),
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(ENDPOINTS))
def test_http_matrix(client, world, action, state):
    users, question, answer = world
    _set_state(question, state)
    method, url, data = ENDPOINTS[action]
    for role in ROLES:
        user = users[role]
        client.logout()
        if user.is_authenticated:
            client.force_login(user)
        response = getattr(client, method)(url(question, answer), data or {})
        allowed = role in MATRIX[action][state]
        if allowed:
            assert response.status_code in (200, 302), (role, response.status_code)
            if response.status_code == 302:
                assert "/comptes/" not in response["Location"], role
        elif role == "visitor":
            assert response.status_code == 302 and "/comptes/login/" in response["Location"]
        elif role == "pending":
            assert response.status_code == 302 and response["Location"] == "/compte/en-attente/"
        else:
            assert response.status_code == 403, (role, response.status_code)
        # Undo what an allowed POST changed, so the next role meets the same state.
        question.refresh_from_db()
        _reset(question, state)


def _reset(question, state):
    from qa.models import Answer, SameProblem, Vote

    Vote.objects.all().delete()
    SameProblem.objects.all().delete()
    Answer.objects.filter(question=question).update(validated_at=None, validated_by=None)
    question.accepted_answer = None
    question.locked_at = timezone.now() if state == "locked" else None
    question.deleted_at = timezone.now() if state == "deleted" else None
    question.save()


def test_visitors_read_when_the_site_opens_reading(client, world, settings):
    settings.PUBLIC_READ = True
    users, question, answer = world
    assert client.get("/questions/").status_code == 200
    assert client.get(question.get_absolute_url()).status_code == 200
    assert permissions.can_read_qa(users["visitor"])
    # …but never write: voting sends them to the login page.
    response = client.post(f"/questions/{question.pk}/voter/", {"value": "1"})
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]


def test_expert_cannot_validate_own_answer(world, make_answer):
    users, question, _ = world
    own = make_answer(question=question, author=users["expert_in"])
    assert not permissions.can_validate(users["expert_in"], own)


def test_discussions_have_no_acceptance_nor_validation(world, make_question, make_answer, topic):
    users, _, _ = world
    discussion = make_question(author=users["author"], kind="discussion", topics=[topic])
    reply = make_answer(question=discussion)
    assert not permissions.can_accept(users["author"], reply)
    assert not permissions.can_validate(users["expert_in"], reply)


def test_merge_only_for_a_duplicate(world, make_question):
    users, question, _ = world
    assert not permissions.can_merge(users["moderator"], question)
    services.question_mark_duplicate(
        question=question,
        canonical=make_question(title="Une autre question ici"),
        by=users["moderator"],
    )
    assert permissions.can_merge(users["moderator"], question)
    assert not permissions.can_merge(users["member"], question)

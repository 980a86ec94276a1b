"""Access control (IDOR): other people try A's objects by id; nothing may change.

Member A owns a question, an answer on B's question, a comment, a flag, an agenda proposal, a
directory entry with hidden contact details and a notification. Member B, a visitor, a pending
account, an expert of another topic and (where the action is not theirs) a moderator POST to
the state-changing URLs with A's ids: each is refused (403, 404 or a redirect to the login or
waiting page) AND the database is exactly as before. Reads that must be refused (hidden contact
fields, another member's data export) are checked too, and extra form fields (`author`,
`score`, `is_staff`, `accepted`, `approved_at`, `user`) are ignored by the ask, answer, edit and
profile forms.
"""

from dataclasses import dataclass

import pytest
from django.apps import apps
from django.urls import reverse

from directory.models import InterestKind, Person, TopicInterest, User, Visibility
from qa import services as qa_services
from qa.agenda import services as agenda_services
from qa.models import Answer, Comment, Flag, Question, Vote
from website.notifications.models import Notification

ROLES = ["member_b", "visitor", "pending", "expert_elsewhere", "moderator"]

# Rows of these models are compared before and after each forged request.
WATCHED = [
    "directory.User",
    "directory.Person",
    "directory.TopicInterest",
    "qa.Question",
    "qa.Answer",
    "qa.Comment",
    "qa.Vote",
    "qa.Flag",
    "qa.Revision",
    "agenda.Proposal",
    "notifications.Notification",
    "notifications.NotificationPreference",
]


def _models():
    found = []
    for label in WATCHED:
        try:
            found.append(apps.get_model(label))
        except LookupError:
            continue
    assert len(found) >= 10, "the watched models moved: update WATCHED"
    return found


def snapshot():
    excluded = {"last_login"}
    return {
        model._meta.label: [
            {k: v for k, v in row.items() if k not in excluded}
            for row in model.objects.order_by("pk").values()
        ]
        for model in _models()
    }


@dataclass
class World:
    a: User
    b: User
    users: dict
    topic: object
    question: Question
    b_question: Question
    answer: Answer
    comment: Comment
    flag: Flag
    proposal: object
    person: Person
    notification: Notification


@pytest.fixture
def world(make_user, make_topic, make_person):
    topic = make_topic(name="Commande publique", slug="commande-publique")
    elsewhere = make_topic(name="Petite enfance", slug="petite-enfance")
    a = make_user(email="alice.auteur@example.org")
    b = make_user(email="bruno.autre@example.org")
    expert = make_user(roles=["Experts"])
    expert_person = make_person(user=expert)
    TopicInterest.objects.create(
        person=expert_person,
        topic=elsewhere,
        kind=InterestKind.EXPERTISE,
        is_confirmed=True,
    )
    users = {
        "member_b": b,
        "visitor": None,
        "pending": make_user(approved_at=None),
        "expert_elsewhere": expert,
        "moderator": make_user(roles=["Modérateurs"]),
        "author_a": a,
    }
    question = qa_services.question_create(
        author=a,
        title="Comment monter un groupement de commandes ?",
        body="Nous voudrions acheter du sel de déneigement à plusieurs communes.",
        topics=[topic],
    )
    b_question = qa_services.question_create(
        author=b,
        title="Quel seuil pour un marché de fournitures ?",
        body="Nous hésitons entre procédure adaptée et appel d'offres.",
        topics=[topic],
    )
    answer = qa_services.answer_create(
        question=b_question, author=a, body="Voyez le code de la commande publique."
    )
    own_answer = qa_services.answer_create(
        question=question, author=b, body="Une convention constitutive suffit."
    )
    comment = qa_services.comment_create(post=question, author=a, body="Merci, très utile.")
    flag = qa_services.flag_create(post=b_question, reporter=a, reason="off_topic", text="Hors")
    proposal = agenda_services.proposal_create(
        author=a,
        title="Mutualiser le déneigement",
        rationale="Plusieurs communes sont concernées.",
        topics=[topic],
    )
    person = make_person(
        user=a,
        email="alice.secret@example.org",
        email_visibility=Visibility.HIDDEN,
        phone="01 99 00 00 42",
        phone_visibility=Visibility.HIDDEN,
        bio="Secrétaire de mairie.",
    )
    notification = Notification.objects.create(
        recipient=a,
        kind=Notification._meta.get_field("kind").choices[0][0],
        event_key="test:idor",
        title="Titre privé de la notification IDOR",
        url=question.get_absolute_url(),
    )
    world = World(
        a=a,
        b=b,
        users=users,
        topic=topic,
        question=question,
        b_question=b_question,
        answer=answer,
        comment=comment,
        flag=flag,
        proposal=proposal,
        person=person,
        notification=notification,
    )
    world.own_answer = own_answer
    return world


# (name, url builder, POST data, roles that must be refused)
NOT_A = ["member_b", "visitor", "pending", "expert_elsewhere"]
ALL = [*NOT_A, "moderator"]

ACTIONS = [
    (
        "edit A's question",
        lambda w: reverse("qa:post_modifier", args=["questions", w.question.pk]),
        lambda w: {
            "title": "Titre remplacé par un autre",
            "body": "Texte entièrement remplacé par une autre personne que l'auteur.",
            "topics": [w.topic.pk],
        },
        NOT_A,
    ),
    (
        "edit A's answer",
        lambda w: reverse("qa:post_modifier", args=["reponses", w.answer.pk]),
        lambda w: {"body": "Texte remplacé par un autre."},
        NOT_A,
    ),
    (
        "edit A's comment",
        lambda w: reverse("qa:post_modifier", args=["commentaires", w.comment.pk]),
        lambda w: {"body": "Texte remplacé par un autre."},
        NOT_A,
    ),
    (
        "delete A's question",
        lambda w: reverse("qa:post_supprimer", args=["questions", w.question.pk]),
        lambda w: {"reason": "Suppression forcée"},
        NOT_A,
    ),
    (
        "delete A's answer",
        lambda w: reverse("qa:post_supprimer", args=["reponses", w.answer.pk]),
        lambda w: {"reason": "Suppression forcée"},
        NOT_A,
    ),
    (
        "delete A's comment",
        lambda w: reverse("qa:post_supprimer", args=["commentaires", w.comment.pk]),
        lambda w: {"reason": "Suppression forcée"},
        NOT_A,
    ),
    (
        "accept an answer on A's question",
        lambda w: reverse("qa:answer_accept", args=[w.own_answer.pk]),
        lambda w: {},
        ["visitor", "pending", "expert_elsewhere"],
    ),
    (
        "validate A's answer without being an expert of its topic",
        lambda w: reverse("qa:answer_validate", args=[w.answer.pk]),
        lambda w: {},
        ALL,
    ),
    (
        "resolve A's flag",
        lambda w: reverse("qa:flag_resolve", args=[w.flag.pk]),
        lambda w: {"decision": "accept", "note": "forcé"},
        NOT_A,
    ),
    (
        "close A's question",
        lambda w: reverse("qa:question_close", args=[w.question.pk]),
        lambda w: {"reason": "off_topic", "note": "Fermeture forcée"},
        NOT_A,
    ),
    (
        "lock A's question",
        lambda w: reverse("qa:question_lock", args=[w.question.pk]),
        lambda w: {"reason": "Verrouillage forcé"},
        NOT_A,
    ),
    (
        "promote A's question to the FAQ",
        lambda w: reverse("qa:faq_promote", args=[w.question.pk]),
        lambda w: {"answer": w.own_answer.pk},
        NOT_A,
    ),
    (
        "roll back A's question",
        lambda w: reverse("qa:post_retablir", args=["questions", w.question.pk, 1]),
        lambda w: {"reason": "Retour forcé"},
        NOT_A,
    ),
    (
        "withdraw A's agenda proposal",
        lambda w: reverse("agenda:proposal_withdraw", args=[w.proposal.pk]),
        lambda w: {},
        NOT_A,
    ),
    (
        "schedule A's agenda proposal",
        lambda w: reverse("agenda:proposal_schedule", args=[w.proposal.pk]),
        lambda w: {},
        NOT_A,
    ),
    (
        "mark A's notification read",
        lambda w: reverse("notifications:mark_read", args=[w.notification.pk]),
        lambda w: {},
        ALL,
    ),
    (
        "mark all notifications read (A's stay unread)",
        lambda w: reverse("notifications:mark_all_read"),
        lambda w: {},
        ALL,
    ),
    (
        "erase a directory entry through the erase form",
        lambda w: reverse("directory:my_erase"),
        lambda w: {"user": w.a.pk, "person": w.person.pk},
        ["visitor", "pending"],
    ),
    (
        "edit A's directory entry by posting A's ids to the profile form",
        lambda w: reverse("directory:my_profile"),
        lambda w: {
            "fiche-first_name": "Pirate",
            "fiche-last_name": "Pirate",
            "fiche-person": w.person.pk,
            "fiche-user": w.a.pk,
            "fiche-id": w.person.pk,
        },
        ["visitor", "pending"],
    ),
]


def _login(client, user):
    if user is not None:
        client.force_login(user)


def _refused(response):
    if response.status_code in (403, 404, 405):
        return True
    if response.status_code in (301, 302, 303):
        return True  # login page, waiting page or back to a page with an error message
    return False


FORGED = [(action, role) for action in ACTIONS for role in ROLES if role in action[3]]


@pytest.mark.django_db
@pytest.mark.parametrize("action,role", FORGED, ids=[f"{a[0]}-{r}" for a, r in FORGED])
def test_another_user_cannot_change_a_members_objects(client, world, action, role):
    name, url, data, _ = action
    _login(client, world.users[role])
    before = snapshot()
    response = client.post(url(world), data(world))
    assert _refused(response), (name, role, response.status_code)
    if role == "visitor" and response.status_code in (302, 303):
        assert "/comptes/login/" in response["Location"]
    assert snapshot() == before, f"{role} changed the database through {name!r}"


# The matrix is only meaningful if the same requests work for the people allowed to make them.
ALLOWED = [
    ("edit A's question", "author_a"),
    ("edit A's answer", "author_a"),
    ("edit A's comment", "author_a"),
    ("delete A's answer", "moderator"),
    ("accept an answer on A's question", "author_a"),
    ("resolve A's flag", "moderator"),
    ("close A's question", "moderator"),
    ("lock A's question", "moderator"),
    ("withdraw A's agenda proposal", "author_a"),
    ("mark A's notification read", "author_a"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,role", ALLOWED, ids=[f"{n}-{r}" for n, r in ALLOWED])
def test_the_same_requests_do_change_the_database_for_the_allowed_user(client, world, name, role):
    _, url, data, _ = next(action for action in ACTIONS if action[0] == name)
    client.force_login(world.users[role])
    before = snapshot()
    response = client.post(url(world), data(world))
    assert response.status_code in (200, 302), response.status_code
    assert snapshot() != before, f"{role} could not {name}: the refusal test proves nothing"


@pytest.mark.django_db
def test_an_author_cannot_vote_on_or_flag_their_own_posts(client, world):
    client.force_login(world.a)
    before = snapshot()
    for url, data in [
        (reverse("qa:post_voter", args=["questions", world.question.pk]), {"value": "1"}),
        (reverse("qa:post_voter", args=["reponses", world.answer.pk]), {"value": "1"}),
        (
            reverse("qa:post_signaler", args=["questions", world.question.pk]),
            {"reason": "spam", "text": "moi"},
        ),
        (reverse("qa:same_problem", args=[world.question.pk]), {}),
    ]:
        response = client.post(url, data)
        assert _refused(response), (url, response.status_code)
    assert snapshot() == before
    assert not Vote.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["visitor", "pending"])
def test_visitors_and_pending_accounts_cannot_vote_comment_answer_or_flag(client, world, role):
    _login(client, world.users[role])
    before = snapshot()
    for url, data in [
        (reverse("qa:post_voter", args=["questions", world.question.pk]), {"value": "1"}),
        (reverse("qa:post_commenter", args=["questions", world.question.pk]), {"body": "Oui."}),
        (reverse("qa:answer_create", args=[world.question.pk]), {"body": "Une réponse."}),
        (
            reverse("qa:post_signaler", args=["questions", world.question.pk]),
            {"reason": "spam"},
        ),
        (reverse("agenda:proposal_support", args=[world.proposal.pk]), {}),
        (reverse("notifications:preferences"), {}),
    ]:
        response = client.post(url, data)
        assert _refused(response), (url, role, response.status_code)
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member_b", "expert_elsewhere", "moderator"])
def test_hidden_contact_fields_of_a_directory_entry_are_never_shown(client, world, role):
    client.force_login(world.users[role])
    for url in [
        reverse("directory:person_detail", args=[world.person.pk]),
        reverse("directory:person_vcard", args=[world.person.pk]),
        reverse("directory:person_list") + "?q=Secrétaire",
    ]:
        body = client.get(url).content.decode()
        assert "alice.secret@example.org" not in body, (url, role)
        assert "01 99 00 00 42" not in body, (url, role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member_b", "expert_elsewhere", "moderator"])
def test_the_data_export_holds_only_the_requesters_data(client, world, role):
    client.force_login(world.users[role])
    response = client.get(reverse("directory:my_data"))
    if response.status_code == 200:
        body = response.content.decode()
        assert "alice.secret@example.org" not in body
        assert "alice.auteur@example.org" not in body
        assert "01 99 00 00 42" not in body
    else:
        assert _refused(response)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member_b", "pending", "expert_elsewhere", "visitor"])
def test_only_moderators_export_the_directory(client, world, role):
    _login(client, world.users[role])
    response = client.get(reverse("directory:export_csv"))
    assert _refused(response), (role, response.status_code)
    assert b"alice.secret@example.org" not in response.content


@pytest.mark.django_db
def test_notifications_of_another_member_are_not_listed(client, world):
    client.force_login(world.b)
    body = client.get(reverse("notifications:list")).content.decode()
    assert "Titre privé de la notification IDOR" not in body


# --- Extra form fields are ignored -----------------------------------------------------------

EXTRA = {
    "score": "999",
    "is_staff": "on",
    "is_superuser": "on",
    "accepted": "on",
    "approved_at": "2020-01-01T00:00:00",
    "validated_at": "2020-01-01T00:00:00",
}


@pytest.mark.django_db
def test_extra_fields_posted_to_the_ask_form_are_ignored(client, world):
    client.force_login(world.b)
    response = client.post(
        reverse("qa:question_ask"),
        {
            "kind": "question",
            "title": "Peut-on louer la salle des fêtes le dimanche ?",
            "body": "La question se pose pour une association.",
            "topics": [world.topic.pk],
            "submission_token": "a" * 32,
            "author": world.a.pk,
            "user": world.a.pk,
            **EXTRA,
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(title__startswith="Peut-on louer")
    assert question.author_id == world.b.pk
    assert question.score == 0
    assert question.accepted_answer_id is None
    world.b.refresh_from_db()
    assert not world.b.is_staff and not world.b.is_superuser


@pytest.mark.django_db
def test_extra_fields_posted_to_the_answer_form_are_ignored(client, world):
    client.force_login(world.b)
    response = client.post(
        reverse("qa:answer_create", args=[world.question.pk]),
        {
            "body": "Une délibération du conseil municipal suffit.",
            "submission_token": "b" * 32,
            "author": world.a.pk,
            "question": world.b_question.pk,
            **EXTRA,
        },
    )
    assert response.status_code == 302
    answer = Answer.objects.get(body__startswith="Une délibération")
    assert answer.author_id == world.b.pk
    assert answer.question_id == world.question.pk
    assert answer.score == 0
    assert answer.validated_at is None
    world.question.refresh_from_db()
    assert world.question.accepted_answer_id is None


@pytest.mark.django_db
def test_extra_fields_posted_to_the_edit_form_are_ignored(client, world):
    client.force_login(world.a)
    response = client.post(
        reverse("qa:post_modifier", args=["reponses", world.answer.pk]),
        {"body": "Voyez aussi les articles L2113-6 et suivants.", "author": world.b.pk, **EXTRA},
    )
    assert response.status_code == 302
    world.answer.refresh_from_db()
    assert world.answer.body.startswith("Voyez aussi")
    assert world.answer.author_id == world.a.pk
    assert world.answer.score == 0
    assert world.answer.validated_at is None
    world.b_question.refresh_from_db()
    assert world.b_question.accepted_answer_id is None
    world.a.refresh_from_db()
    assert not world.a.is_staff


@pytest.mark.django_db
def test_extra_fields_posted_to_the_profile_form_are_ignored(client, world, make_person):
    b_person = make_person(user=world.b, first_name="Bruno", last_name="Autre")
    client.force_login(world.b)
    response = client.post(
        reverse("directory:my_profile"),
        {
            "fiche-first_name": "Bruno",
            "fiche-last_name": "Autre",
            "fiche-bio": "Agent comptable.",
            "fiche-email": "",
            "fiche-email_visibility": Visibility.HIDDEN,
            "fiche-phone": "",
            "fiche-phone_visibility": Visibility.HIDDEN,
            "fiche-is_listed": "on",
            "fiche-user": world.a.pk,
            "fiche-id": world.person.pk,
            "fiche-is_staff": "on",
            "fiche-approved_at": "2020-01-01",
            "user": world.a.pk,
            "is_staff": "on",
            "fonctions-TOTAL_FORMS": "0",
            "fonctions-INITIAL_FORMS": "0",
            "fonctions-MIN_NUM_FORMS": "0",
            "fonctions-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    b_person.refresh_from_db()
    world.person.refresh_from_db()
    assert b_person.user_id == world.b.pk and b_person.bio == "Agent comptable."
    assert world.person.user_id == world.a.pk and world.person.bio == "Secrétaire de mairie."
    world.b.refresh_from_db()
    assert not world.b.is_staff
    approved = User.objects.get(pk=world.b.pk).approved_at
    assert approved is not None and approved.year != 2020


# --- Private Wagtail documents -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["visitor", "pending"])
def test_a_members_only_document_is_not_served_to_visitors_or_pending_accounts(client, world, role):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model
    from wagtail.models import Collection

    collection = Collection.objects.get(name="Documents réservés aux membres")
    document = get_document_model().objects.create(
        title="Convention privée",
        collection=collection,
        file=ContentFile(b"contenu-prive-idor", name="convention-privee.txt"),
    )
    _login(client, world.users[role])
    response = client.get(document.url)
    assert response.status_code in (302, 403), response.status_code
    if response.status_code == 302:
        assert response["Location"].startswith(("/comptes/login/", "/compte/en-attente/"))
    body = b"".join(getattr(response, "streaming_content", [response.content]))
    assert b"contenu-prive-idor" not in body

    client.force_login(world.b)
    served = client.get(document.url)
    assert served.status_code == 200
    assert b"contenu-prive-idor" in b"".join(served.streaming_content)

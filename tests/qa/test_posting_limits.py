"""Posting limits that hold for every member, however long ago they were approved.

A question addressed to a structure notifies (by e-mail, by default) every current holder of
a position there, so one member may address only `QA_ADDRESSED_QUESTIONS_PER_DAY` questions
to structures in 24 hours (docs/security.md, finding 15).
"""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from qa.models import Question
from website.notifications.models import EmailDelivery, Notification

pytestmark = pytest.mark.django_db

LIMIT = 2


@pytest.fixture(autouse=True)
def daily_limit(settings):
    settings.QA_ADDRESSED_QUESTIONS_PER_DAY = LIMIT
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def veteran(make_user):
    """A member approved more than a year ago: the new-member limit no longer applies."""
    return make_user(approved_at=timezone.now() - datetime.timedelta(days=400))


@pytest.fixture
def commune(make_structure, make_position, make_user, make_person):
    structure = make_structure(name="Commune de Barrême")
    for first_name in ("Agathe", "Basile", "Clémence"):
        user = make_user()
        make_position(person=make_person(user=user, first_name=first_name), structure=structure)
    return structure


def ask(client, topic, number, structure=None):
    data = {
        "kind": "question",
        "title": f"Question numéro {number} pour la mairie voisine ?",
        "body": "Pouvez-vous nous dire comment vous organisez le déneigement ?",
        "topics": [topic.pk],
        "submission_token": f"jeton-{number}",
        "publish": "1",
    }
    if structure is not None:
        data["addressed_to_structure"] = structure.pk
    return client.post("/questions/poser/", data)


def test_a_long_standing_member_is_capped_on_questions_addressed_to_a_structure(
    client, veteran, topic, commune, django_capture_on_commit_callbacks
):
    client.force_login(veteran)
    for number in range(LIMIT):
        # Notifications go out once the question is committed.
        with django_capture_on_commit_callbacks(execute=True):
            assert ask(client, topic, number, commune).status_code == 302
    staff = commune.positions.values("person__user")
    told = Notification.objects.filter(recipient__in=staff)
    assert told.count() == LIMIT * 3  # each addressed question told the three agents
    mails = EmailDelivery.objects.filter(recipient__in=staff).count()
    assert mails == LIMIT * 3  # by e-mail too (the default for this kind)

    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, topic, LIMIT, commune)
    assert response.status_code == 429
    html = response.content.decode()
    assert "questions adressées à une structure" in html
    assert "Question numéro 2 pour la mairie voisine ?" in html  # what was typed is kept
    assert not Question.objects.filter(title__startswith="Question numéro 2").exists()
    assert told.count() == LIMIT * 3
    assert EmailDelivery.objects.filter(recipient__in=staff).count() == mails

    # A question addressed to nobody is still welcome.
    assert ask(client, topic, 3).status_code == 302
    assert Question.objects.filter(title__startswith="Question numéro 3").exists()


def test_the_ceiling_is_per_member_and_rolls_over_after_24_hours(
    client, veteran, make_user, topic, commune
):
    client.force_login(veteran)
    for number in range(LIMIT):
        ask(client, topic, number, commune)
    assert ask(client, topic, 10, commune).status_code == 429

    other = make_user(approved_at=timezone.now() - datetime.timedelta(days=400))
    client.force_login(other)
    assert ask(client, topic, 11, commune).status_code == 302

    Question.objects.filter(author=veteran).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    client.force_login(veteran)
    assert ask(client, topic, 12, commune).status_code == 302
    assert Question.objects.filter(title__startswith="Question numéro 12").exists()


def test_deleting_an_addressed_question_does_not_give_its_place_back(
    client, veteran, topic, commune
):
    client.force_login(veteran)
    for number in range(LIMIT):
        ask(client, topic, number, commune)
    Question.objects.filter(author=veteran).update(deleted_at=timezone.now())
    assert ask(client, topic, 20, commune).status_code == 429

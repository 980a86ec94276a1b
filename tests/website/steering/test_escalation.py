"""Routing an unanswered question again: the next circle of experts is asked, the asker is
told who, and the refusals are clear."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from directory.models import StructureKind
from qa import services as qa_services
from website.notifications.kinds import Kind
from website.notifications.models import Notification
from website.steering import services
from website.steering.models import Escalation

pytestmark = pytest.mark.django_db


@pytest.fixture
def area(make_structure):
    cc = make_structure(name="CC du Haut-Verdon", kind=StructureKind.CC)
    other_cc = make_structure(name="CC Alpes Provence Verdon", kind=StructureKind.CC)
    return {
        "cc": cc,
        "angles": make_structure(name="Angles", parent=cc),
        "colmars": make_structure(name="Colmars", parent=cc),
        "digne": make_structure(name="Digne", parent=other_cc),
    }


def _routed(question):
    return set(
        Notification.objects.filter(kind=Kind.QUESTION_ROUTED, target_id=question.pk).values_list(
            "recipient_id", flat=True
        )
    )


def test_each_escalation_asks_the_next_circle_and_tells_the_asker_who(
    settings,
    client,
    coordinator,
    make_user,
    make_person,
    make_position,
    make_topic,
    make_expert,
    ask,
    area,
    committed,
):
    settings.NOTIFICATIONS_MAX_EXPERTS_PER_QUESTION = 1
    topic = make_topic()
    near = make_expert(topic, structure=area["colmars"], first_name="Nina", last_name="Proche")
    far = make_expert(topic, structure=area["digne"], first_name="Louis", last_name="Loin")
    farther = make_expert(topic, first_name="Zoé", last_name="Zèbre")
    asker = make_user()
    make_position(person=make_person(user=asker), structure=area["angles"])
    question = ask(asker, topics=[topic], days_ago=8)
    assert question.author_structure == area["angles"]
    assert _routed(question) == {near.pk}  # the first routing: the asker's CC first

    client.force_login(coordinator)
    with committed():
        response = client.post(reverse("steering:question_escalate", args=[question.pk]))
    assert response.status_code == 302
    assert _routed(question) == {near.pk, far.pk}
    told = Notification.objects.get(recipient=asker, kind=Kind.QUESTION_ESCALATED)
    assert "Louis Loin (Chargée de mission, Digne)" in told.excerpt
    assert told.url == question.get_absolute_url()
    assert told.actor == coordinator
    followed = client.get(response["Location"]).content.decode()
    assert "est relayée à 1 expert : Louis Loin" in followed

    with committed():
        client.post(reverse("steering:question_escalate", args=[question.pk]))
    assert _routed(question) == {near.pk, far.pk, farther.pk}
    assert list(Escalation.objects.order_by("round").values_list("round", flat=True)) == [1, 2]

    response = client.post(reverse("steering:question_escalate", args=[question.pk]), follow=True)
    assert "Tous les experts des sujets de cette question ont déjà été sollicités" in (
        response.content.decode()
    )
    assert Escalation.objects.count() == 2


def test_the_asker_is_never_asked_about_their_own_question(make_user, make_topic, make_expert, ask):
    topic = make_topic()
    asking_expert = make_expert(topic)
    question = ask(asking_expert, topics=[topic], days_ago=8)
    with pytest.raises(ValidationError):
        services.question_escalate(question=question, by=None)


def test_an_answered_or_closed_question_is_not_routed_again(
    make_user, make_topic, make_expert, ask
):
    topic = make_topic()
    asker, helper = make_user(), make_user()
    answered = ask(asker, topics=[topic], days_ago=8)
    qa_services.answer_create(question=answered, author=helper, body="Voici.")
    closed = ask(asker, topics=[topic], days_ago=8)
    qa_services.question_close(
        question=closed, by=make_user(roles=["Modérateurs"]), reason="outdated"
    )
    make_expert(topic)
    with pytest.raises(ValidationError, match="déjà reçu une réponse"):
        services.question_escalate(question=answered, by=None)
    with pytest.raises(ValidationError, match="fermée"):
        services.question_escalate(question=closed, by=None)
    assert not Escalation.objects.exists()


def test_the_unanswered_page_lists_old_questions_with_their_button(
    client, coordinator, make_user, ask
):
    asker = make_user()
    old = ask(asker, title="Sel de déneigement en commun ?", days_ago=8)
    ask(asker, title="Question de ce matin", days_ago=0)
    client.force_login(coordinator)
    body = client.get(reverse("steering:unanswered")).content.decode()
    assert "Sel de déneigement en commun ?" in body
    assert "Question de ce matin" not in body
    assert reverse("steering:question_escalate", args=[old.pk]) in body
    assert "csrfmiddlewaretoken" in body

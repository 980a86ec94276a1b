"""`services.notify`: who gets a notification and who gets an e-mail, once per event."""

import pytest
from django.utils import timezone

from website.notifications.kinds import Frequency, Kind
from website.notifications.models import DeliveryStatus, EmailDelivery, Notification
from website.notifications.services import Audience, notify, preferences_set
from website.notifications.tasks import queue_immediate_emails

pytestmark = pytest.mark.django_db


def _notify(audiences, *, actor=None, event_key="test:1", **extra):
    created = notify(
        event_key=event_key,
        audiences=audiences,
        actor=actor,
        title="Groupement de commandes pour le sel de déneigement",
        url="/questions/1/groupement/",
        **extra,
    )
    queue_immediate_emails(created)  # what the fan-out task does after `notify`
    return created


def test_the_actor_is_never_notified_of_their_own_action(member, make_user, committed):
    other = make_user()
    with committed():
        _notify([Audience(Kind.ANSWER, [member.pk, other.pk])], actor=member)
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [other.pk]


def test_pending_and_inactive_accounts_get_no_notification(make_user, pending_user, committed):
    inactive = make_user(is_active=False)
    active = make_user()
    with committed():
        _notify([Audience(Kind.ANSWER, [pending_user.pk, inactive.pk, active.pk])])
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [active.pk]


def test_a_member_in_several_audiences_gets_one_notification_of_the_first_kind(member, committed):
    with committed():
        _notify(
            [
                Audience(Kind.QUESTION_ADDRESSED, [member.pk]),
                Audience(Kind.QUESTION_IN_TOPIC, [member.pk]),
            ]
        )
    assert list(Notification.objects.values_list("kind", flat=True)) == [Kind.QUESTION_ADDRESSED]


def test_notifying_the_same_event_twice_creates_and_sends_nothing_more(
    member, committed, mailoutbox
):
    with committed():
        _notify([Audience(Kind.ANSWER, [member.pk])])
    with committed():
        _notify([Audience(Kind.ANSWER, [member.pk])])
    assert Notification.objects.count() == 1
    assert EmailDelivery.objects.count() == 1
    assert len(mailoutbox) == 1


def test_immediate_preference_sends_an_email_at_once(member, committed, mailoutbox):
    with committed():
        _notify([Audience(Kind.ANSWER, [member.pk])])
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [member.email]
    delivery = EmailDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT
    assert Notification.objects.get().email_delivery == delivery


@pytest.mark.parametrize("frequency", [Frequency.DAILY, Frequency.WEEKLY, Frequency.NEVER])
def test_digest_or_never_preference_sends_no_immediate_email(
    member, committed, mailoutbox, frequency
):
    preferences_set(user=member, frequencies={Kind.ANSWER: frequency})
    with committed():
        _notify([Audience(Kind.ANSWER, [member.pk])])
    assert mailoutbox == []
    assert Notification.objects.filter(recipient=member).exists()  # still in the centre


def test_default_for_questions_in_followed_topics_is_the_daily_digest(
    member, committed, mailoutbox
):
    with committed():
        _notify([Audience(Kind.QUESTION_IN_TOPIC, [member.pk])])
    assert mailoutbox == []
    assert Notification.objects.get().kind == Kind.QUESTION_IN_TOPIC


def test_an_actor_given_by_id_is_named_in_the_notification(member, make_user, committed):
    actor = make_user(first_name="Camille", last_name="Exemple")
    with committed():
        _notify([Audience(Kind.ANSWER, [member.pk])], actor=actor.pk)
    notification = Notification.objects.get()
    assert notification.actor == actor
    assert notification.headline == "Camille Exemple a répondu"


def test_an_actor_without_a_name_is_called_a_member_never_by_email_address(
    member, make_user, committed
):
    actor = make_user(first_name="", last_name="")
    with committed():
        _notify([Audience(Kind.ANSWER, [member.pk])], actor=actor)
    headline = Notification.objects.get().headline
    assert actor.email not in headline
    assert headline == "Un membre a répondu"


def test_a_non_local_url_is_never_used_as_a_link(member):
    notification = Notification(
        recipient=member, kind=Kind.ANSWER, url="javascript:alert(1)", created_at=timezone.now()
    )
    assert notification.link == "/notifications/"
    notification.url = "//evil.example.org/"
    assert notification.link == "/notifications/"
    notification.url = "/questions/3/x/#reponse-4"
    assert notification.link == "/questions/3/x/#reponse-4"

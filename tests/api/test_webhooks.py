"""Webhooks: the outbox written with the event, signed deliveries to a real HTTP receiver on
loopback, retries with back-off and no duplicate, timeouts and redirects, disabling after
repeated failures, what a payload may carry, and the moderators' pages in the Wagtail admin."""

import datetime
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from directory.mfa import decrypt_secret
from qa import services as qa_services
from tests.api.webhook_receiver import Receiver
from website.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from website.api.webhooks import delivery, services
from website.pages.models import (
    AffectedQuestion,
    HomePage,
    RegulatoryIndexPage,
    RegulatoryKind,
    RegulatoryUpdatePage,
)

pytestmark = pytest.mark.django_db

ALL_EVENTS = list(WebhookEvent.values)


@pytest.fixture
def receiver(settings):
    settings.API_WEBHOOKS_ALLOW_LOOPBACK = True
    settings.API_WEBHOOKS_ALLOW_HTTP = True
    settings.API_WEBHOOKS_TIMEOUT_SECONDS = 1
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def make_endpoint(moderator, receiver):
    """`make_endpoint(events=[...], owner=...)` → (endpoint, secret)."""

    def build(*, events=ALL_EVENTS, owner=None, url=None):
        endpoint = WebhookEndpoint(
            name="Intranet de la CC", url=url or receiver.url, events=list(events)
        )
        endpoint.owner = owner or moderator
        new = services.endpoint_create(endpoint=endpoint)
        return new.endpoint, new.secret

    return build


def _expected_signature(secret, request):
    timestamp = request["headers"]["Entraide-Webhook-Timestamp"]
    message = timestamp.encode() + b"." + request["body"]
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_a_new_question_reaches_the_receiver_signed(
    make_endpoint, receiver, make_question, django_capture_on_commit_callbacks
):
    endpoint, secret = make_endpoint()
    with django_capture_on_commit_callbacks(execute=True):
        question = make_question()
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["path"] == "/hooks/entraide"
    assert request["headers"]["Entraide-Webhook-Event"] == "question.created"
    assert request["headers"]["Entraide-Webhook-Signature"] == _expected_signature(secret, request)
    timestamp = int(request["headers"]["Entraide-Webhook-Timestamp"])
    assert abs(timestamp - timezone.now().timestamp()) < 60
    payload = json.loads(request["body"])
    assert payload["event"] == "question.created"
    assert payload["data"]["question"]["id"] == question.pk
    assert payload["data"]["question"]["url"].endswith(question.get_absolute_url())
    assert "body" not in payload["data"]["question"]  # ids, titles, addresses: not the text
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.DELIVERED
    assert request["headers"]["Entraide-Webhook-Id"] == str(row.event_id)
    assert row.attempts == 1 and row.last_status_code == 200


def test_a_wrong_secret_does_not_verify(make_endpoint, receiver, make_question):
    _endpoint, secret = make_endpoint()
    make_question()
    delivery.deliver(WebhookDelivery.objects.get().pk)
    assert receiver.requests[0]["headers"]["Entraide-Webhook-Signature"] != _expected_signature(
        secret + "x", receiver.requests[0]
    )


def test_the_outbox_row_is_written_with_the_event_and_rolls_back_with_it(
    make_endpoint, make_question
):
    make_endpoint()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_question()
        assert WebhookDelivery.objects.count() == 1  # inside the question's transaction
        raise RuntimeError("the action fails after the event")
    assert WebhookDelivery.objects.count() == 0


def test_only_subscribed_active_endpoints_get_a_delivery(make_endpoint, make_question):
    wanted, _secret = make_endpoint(events=[WebhookEvent.QUESTION_CREATED])
    make_endpoint(events=[WebhookEvent.ANSWER_ACCEPTED])
    switched_off, _secret = make_endpoint()
    WebhookEndpoint.objects.filter(pk=switched_off.pk).update(is_active=False)
    make_question()
    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [wanted.pk]


def test_an_owner_who_is_no_longer_a_moderator_gets_nothing(
    make_endpoint, make_user, make_question
):
    former = make_user()
    make_endpoint(owner=former)
    make_question()
    assert not WebhookDelivery.objects.exists()


def test_accepting_and_validating_an_answer_are_events(
    make_endpoint, make_question, make_answer, expert
):
    make_endpoint(events=[WebhookEvent.ANSWER_ACCEPTED, WebhookEvent.ANSWER_VALIDATED])
    question = make_question()
    answer = make_answer(question=question)
    qa_services.answer_accept(answer=answer, by=question.author)
    qa_services.answer_validate(answer=answer, by=expert)
    rows = list(WebhookDelivery.objects.order_by("pk"))
    assert [row.event for row in rows] == ["answer.accepted", "answer.validated"]
    data = json.loads(rows[0].body)["data"]
    assert data["answer"]["id"] == answer.pk and data["question"]["id"] == question.pk


def _publish_update(topic, questions=(), **fields):
    index = RegulatoryIndexPage.objects.first()
    if index is None:
        index = RegulatoryIndexPage(title="Veille réglementaire", slug="veille")
        HomePage.objects.get().add_child(instance=index)
        index.save_revision().publish()
    update = RegulatoryUpdatePage(
        title="Loi sur les groupements",
        slug="loi-groupements",
        kind=RegulatoryKind.LAW,
        official_reference="Loi n° 2026-12",
        publication_date=datetime.date(2026, 10, 1),
        summary="Les communes délibèrent avant la fin de l'année.",
        **fields,
    )
    update.topics = [topic]
    update.affected_questions = [AffectedQuestion(question=q) for q in questions]
    index.add_child(instance=update)
    update.save_revision().publish()
    return RegulatoryUpdatePage.objects.get(pk=update.pk)


def test_publishing_a_regulatory_update_and_the_rechecks_it_opens_are_events(
    make_endpoint, make_question, topic
):
    make_endpoint(events=[WebhookEvent.REGULATORY_UPDATE_PUBLISHED, WebhookEvent.RECHECK_REQUESTED])
    question = make_question()
    update = _publish_update(topic, questions=[question])
    by_event = {row.event: json.loads(row.body)["data"] for row in WebhookDelivery.objects.all()}
    assert by_event["regulatory_update.published"]["regulatory_update"]["id"] == update.pk
    assert by_event["regulatory_update.published"]["first_publication"] is True
    recheck = by_event["question.recheck_requested"]
    assert recheck["question"]["id"] == question.pk
    assert recheck["regulatory_update"]["official_reference"] == "Loi n° 2026-12"


def test_a_page_the_owner_may_not_see_is_not_sent(make_endpoint, topic):
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    make_endpoint(events=[WebhookEvent.REGULATORY_UPDATE_PUBLISHED])
    index = RegulatoryIndexPage(title="Veille réglementaire", slug="veille")
    HomePage.objects.get().add_child(instance=index)
    index.save_revision().publish()
    restriction = PageViewRestriction.objects.create(
        page=index, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.get(name="Éditeurs"))
    _publish_update(topic)
    assert not WebhookDelivery.objects.exists()


def test_failures_are_retried_with_back_off_and_delivered_once(
    make_endpoint, receiver, make_question
):
    endpoint, secret = make_endpoint()
    receiver.answers = [500, 503]
    make_question()
    row = WebhookDelivery.objects.get()
    start = timezone.now()
    outcome = delivery.deliver(row.pk, now=start)
    assert outcome.status == DeliveryStatus.PENDING
    assert outcome.retry_at == start + timedelta(seconds=60)
    # Not due yet: nothing is sent.
    assert delivery.deliver(row.pk, now=start + timedelta(seconds=30)).status == "pending"
    assert len(receiver.requests) == 1
    outcome = delivery.deliver(row.pk, now=start + timedelta(seconds=61))
    assert outcome.retry_at == start + timedelta(seconds=61 + 120)
    outcome = delivery.deliver(row.pk, now=start + timedelta(seconds=200))
    assert outcome.status == DeliveryStatus.DELIVERED
    # Once delivered, never again, whoever asks.
    assert delivery.deliver(row.pk, now=start + timedelta(hours=1)).status == "delivered"
    assert len(receiver.requests) == 3
    assert len({r["headers"]["Entraide-Webhook-Id"] for r in receiver.requests}) == 1
    assert len({r["body"] for r in receiver.requests}) == 1
    for request in receiver.requests:
        assert request["headers"]["Entraide-Webhook-Signature"] == _expected_signature(
            secret, request
        )
    row.refresh_from_db()
    assert (row.attempts, row.status, row.last_error) == (3, "delivered", "")
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_a_row_another_worker_is_sending_is_not_sent_twice(make_endpoint, receiver, make_question):
    make_endpoint()
    make_question()
    row = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now()
    )
    assert delivery.deliver(row.pk).status == "sending"
    assert receiver.requests == []
    # A worker that died mid-send: after the stale delay another one sends it.
    later = timezone.now() + timedelta(minutes=6)
    assert delivery.deliver(row.pk, now=later).status == "delivered"
    assert len(receiver.requests) == 1


def test_the_pending_command_sends_what_is_due(make_endpoint, receiver, make_question):
    from django.core.management import call_command

    make_endpoint()
    make_question()
    call_command("send_pending_webhooks")
    call_command("send_pending_webhooks")
    assert len(receiver.requests) == 1


def test_a_delivery_is_abandoned_after_the_last_attempt(
    settings, make_endpoint, receiver, make_question
):
    settings.API_WEBHOOKS_MAX_ATTEMPTS = 2
    make_endpoint()
    receiver.answers = [500, 500, 500]
    make_question()
    row = WebhookDelivery.objects.get()
    delivery.deliver(row.pk)
    outcome = delivery.deliver(row.pk, now=timezone.now() + timedelta(minutes=5))
    assert outcome.status == DeliveryStatus.FAILED and outcome.retry_at is None
    assert delivery.deliver(row.pk, now=timezone.now() + timedelta(days=1)).status == "failed"
    assert len(receiver.requests) == 2
    row.refresh_from_db()
    assert row.last_status_code == 500 and "erreur du receveur" in row.last_error


def test_a_receiver_that_hangs_times_out_and_is_retried(make_endpoint, receiver, make_question):
    make_endpoint()
    receiver.answers = ["hang"]
    make_question()
    row = WebhookDelivery.objects.get()
    outcome = delivery.deliver(row.pk)
    assert outcome.status == DeliveryStatus.PENDING
    row.refresh_from_db()
    assert row.last_error == "Pas de réponse en 1 s."


def test_a_redirect_is_not_followed(make_endpoint, receiver, make_question):
    make_endpoint()
    receiver.answers = [("redirect", f"http://127.0.0.1:{receiver.port}/ailleurs")]
    make_question()
    row = WebhookDelivery.objects.get()
    assert delivery.deliver(row.pk).status == DeliveryStatus.PENDING
    assert [r["path"] for r in receiver.requests] == ["/hooks/entraide"]
    row.refresh_from_db()
    assert row.last_status_code == 302
    assert "non suivie" in row.last_error


def test_an_endpoint_failing_again_and_again_is_disabled_and_its_owner_told(
    settings,
    make_endpoint,
    receiver,
    make_question,
    mailoutbox,
    moderator,
    django_capture_on_commit_callbacks,
):
    settings.API_WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    endpoint, _secret = make_endpoint()
    receiver.answers = [500] * 10
    for _ in range(3):
        make_question()
    rows = list(WebhookDelivery.objects.order_by("pk"))
    with django_capture_on_commit_callbacks(execute=True):
        for row in rows:
            delivery.deliver(row.pk)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_at is not None
    assert "500" in endpoint.disabled_reason
    assert [m.to for m in mailoutbox] == [[moderator.email]]
    assert "désactivé" in mailoutbox[0].subject
    # Nothing more is sent to it, and new events do not queue for it.
    make_question()
    assert WebhookDelivery.objects.count() == 3
    assert len(receiver.requests) == 3


def test_the_address_is_checked_again_at_delivery(settings, make_endpoint, receiver, make_question):
    make_endpoint()
    make_question()
    settings.API_WEBHOOKS_ALLOW_LOOPBACK = False  # the receiver's address is loopback
    row = WebhookDelivery.objects.get()
    assert delivery.deliver(row.pk).status == DeliveryStatus.PENDING
    assert receiver.requests == []
    row.refresh_from_db()
    assert row.last_error.startswith("Adresse refusée : L'adresse 127.0.0.1 est locale")


def test_the_secret_is_stored_encrypted(make_endpoint):
    endpoint, secret = make_endpoint()
    endpoint.refresh_from_db()
    assert secret.startswith("whsec_")
    assert secret not in endpoint.secret_encrypted
    assert decrypt_secret(endpoint.secret_encrypted) == secret


def test_a_renewed_secret_signs_beside_the_old_one_until_the_grace_period_ends(
    make_endpoint, receiver, make_question, settings
):
    settings.API_WEBHOOKS_SECRET_GRACE_HOURS = 24
    endpoint, old = make_endpoint()
    new = services.endpoint_secret_renew(endpoint=endpoint)
    assert new.secret.startswith("whsec_") and new.secret != old
    endpoint.refresh_from_db()
    assert decrypt_secret(endpoint.secret_encrypted) == new.secret
    assert new.secret not in endpoint.secret_encrypted  # kept encrypted, the old one too
    assert decrypt_secret(endpoint.previous_secret_encrypted) == old
    assert old not in endpoint.previous_secret_encrypted
    grace = endpoint.previous_secret_until - endpoint.secret_renewed_at
    assert grace == timedelta(hours=24)

    make_question()
    delivery.deliver(WebhookDelivery.objects.get().pk)
    request = receiver.requests[-1]
    assert request["headers"]["Entraide-Webhook-Signature"].split(" ") == [
        _expected_signature(new.secret, request),
        _expected_signature(old, request),
    ]

    # Once the grace period is over, the new secret alone signs.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_until=timezone.now() - timedelta(seconds=1)
    )
    WebhookDelivery.objects.all().delete()
    make_question(title="Une seconde question après le délai")
    delivery.deliver(WebhookDelivery.objects.get().pk)
    request = receiver.requests[-1]
    assert request["headers"]["Entraide-Webhook-Signature"] == _expected_signature(
        new.secret, request
    )


def test_renewing_twice_keeps_only_the_secret_just_replaced(make_endpoint, receiver, make_question):
    endpoint, first = make_endpoint()
    second = services.endpoint_secret_renew(endpoint=endpoint).secret
    third = services.endpoint_secret_renew(endpoint=endpoint).secret
    endpoint.refresh_from_db()
    assert services.signing_secrets(endpoint) == [third, second]
    make_question()
    delivery.deliver(WebhookDelivery.objects.get().pk)
    request = receiver.requests[-1]
    assert (
        _expected_signature(first, request) not in request["headers"]["Entraide-Webhook-Signature"]
    )

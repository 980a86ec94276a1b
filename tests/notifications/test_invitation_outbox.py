"""Directory invitations leave through the notifications' outbox: written with the
invitation, sent after the commit, retried when the mail server fails, never lost."""

import datetime

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.utils import timezone

from directory import services
from directory.models import Invitation
from website.notifications import emails
from website.notifications.models import DeliveryKind, DeliveryStatus, EmailDelivery

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that cannot be reached."""

    def send_messages(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")


def test_an_invitation_is_an_outbox_row_sent_after_the_commit(moderator, committed):
    with committed():
        invitation = services.invitation_create(email="Invitee@Example.org", invited_by=moderator)
        delivery = EmailDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING  # written with the invitation
        assert mail.outbox == []  # nothing leaves before the commit
    delivery.refresh_from_db()
    assert delivery.kind == DeliveryKind.INVITATION
    assert delivery.recipient is None
    assert delivery.to_address == "Invitee@example.org"
    assert delivery.status == DeliveryStatus.SENT
    [message] = mail.outbox
    assert message.to == ["Invitee@example.org"]
    assert message.subject == "Invitation à rejoindre Entraide"
    assert message.extra_headers["Message-ID"] == invitation.message_id  # bounces name it
    assert "List-Unsubscribe" not in message.extra_headers
    assert f"/annuaire/invitation/{invitation.token}/" in message.body
    assert message.alternatives == []  # plain text, as before


def test_a_resend_is_a_new_row_with_the_new_link(moderator, committed):
    with committed():
        invitation = services.invitation_create(email="invitee@example.org", invited_by=moderator)
    first_token = invitation.token
    with committed():
        invitation = services.invitation_send(invitation=invitation)
    assert EmailDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 2
    assert first_token not in mail.outbox[1].body
    assert invitation.token in mail.outbox[1].body


def test_a_rolled_back_invitation_sends_nothing(moderator, committed):
    with pytest.raises(RuntimeError), committed():
        from django.db import transaction

        with transaction.atomic():
            services.invitation_create(email="invitee@example.org", invited_by=moderator)
            raise RuntimeError("the moderator's request failed")
    assert not Invitation.objects.exists()
    assert not EmailDelivery.objects.exists()
    assert mail.outbox == []


def test_a_failed_send_stays_in_the_outbox_and_is_retried_until_sent(
    moderator, committed, settings, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with committed():
        invitation = services.invitation_create(email="invitee@example.org", invited_by=moderator)
    # The moderator's action stands; the e-mail waits for its next attempt.
    assert Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=False).exists()
    delivery = EmailDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert "ConnectionRefusedError" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()
    assert mail.outbox == []

    # The server is back; the cron safety net sends what is due, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    EmailDelivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    call_command("send_pending_emails")
    call_command("send_pending_emails")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    [message] = mail.outbox
    assert message.to == ["invitee@example.org"]
    assert f"/annuaire/invitation/{invitation.token}/" in message.body


def test_a_server_outage_never_uses_up_the_attempts(moderator, committed, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with committed():
        services.invitation_create(email="invitee@example.org", invited_by=moderator)
    delivery = EmailDelivery.objects.get()
    later = timezone.now()
    for _attempt in range(emails.max_attempts() + 2):
        later += datetime.timedelta(hours=2)
        emails.deliver(delivery.pk, now=later)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING  # still waiting for the server


def test_through_the_page_a_server_outage_keeps_the_invitation_and_its_e_mail(
    client, moderator, settings, committed
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    client.force_login(moderator)
    with committed():
        response = client.post(
            "/annuaire/invitations/",
            {"action": "single", "email": "invitee@example.org"},
            follow=True,
        )
    assert response.status_code == 200
    assert "Invitation envoyée à invitee@example.org." in response.content.decode()
    assert Invitation.objects.filter(email="invitee@example.org").exists()
    delivery = EmailDelivery.objects.get(to_address="invitee@example.org")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)

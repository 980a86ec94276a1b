"""`tasks.queue_once`: the one way to put a one-off e-mail in the outbox and queue its send."""

import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command

from website.notifications import emails, tasks
from website.notifications.models import DeliveryKind, DeliveryStatus, EmailDelivery

pytestmark = pytest.mark.django_db

RENDERED = emails.RenderedEmail(
    subject="[Entraide] Pièces jointes refusées", text="Texte du message", html="<p>HTML</p>"
)


def _queue(user, key="test-once:1"):
    return tasks.queue_once(
        key=key, recipient=user, rendered=RENDERED, unsubscribe_url="http://x.invalid/desabo/"
    )


def test_the_row_is_created_and_sent_once_even_when_called_twice(member, committed, mailoutbox):
    with committed() as callbacks:
        first = _queue(member)
        second = _queue(member)  # a retried task, a webhook delivered twice
    assert first.pk == second.pk
    assert len(callbacks) == 1  # one send queued, not two
    delivery = EmailDelivery.objects.get()
    assert delivery.idempotency_key == "test-once:1"
    assert delivery.recipient == member
    assert delivery.kind == DeliveryKind.IMMEDIATE
    assert (delivery.subject, delivery.body_text, delivery.body_html) == (
        RENDERED.subject,
        RENDERED.text,
        RENDERED.html,
    )
    assert delivery.unsubscribe_url == "http://x.invalid/desabo/"
    assert delivery.message_id.startswith("<")
    assert delivery.status == DeliveryStatus.SENT
    assert [m.subject for m in mailoutbox] == [RENDERED.subject]


def test_to_an_address_without_an_account_it_is_an_invitation_row_sent_once(committed, mailoutbox):
    with committed() as callbacks:
        for _call in range(2):
            tasks.queue_once(
                key="invitation:1:1",
                to="invitee@example.org",
                rendered=emails.RenderedEmail(subject="Invitation", text="Lien", html=""),
                message_id="<invitation-1@entraide.invalid>",
            )
    assert len(callbacks) == 1
    delivery = EmailDelivery.objects.get()
    assert (delivery.recipient, delivery.to_address) == (None, "invitee@example.org")
    assert delivery.kind == DeliveryKind.INVITATION
    assert delivery.message_id == "<invitation-1@entraide.invalid>"  # a bounce names it
    assert delivery.status == DeliveryStatus.SENT
    [message] = mailoutbox
    assert (message.to, message.body, message.alternatives) == (["invitee@example.org"], "Lien", [])


def test_it_goes_to_an_account_or_to_an_address_exactly(member):
    with pytest.raises(ValueError):
        tasks.queue_once(key="k", recipient=member, to="other@example.org", rendered=RENDERED)
    with pytest.raises(ValueError):
        tasks.queue_once(key="k", rendered=RENDERED)
    assert not EmailDelivery.objects.exists()


def test_nothing_is_sent_before_the_transaction_commits(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _queue(member)
    assert len(callbacks) == 1
    assert EmailDelivery.objects.get().status == DeliveryStatus.PENDING


def test_a_queue_failure_loses_nothing_the_cron_sends_it(
    member, committed, mailoutbox, monkeypatch, caplog
):
    class BrokenQueue:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "send_email", BrokenQueue())
    with committed():
        _queue(member)  # the member's action still completes
    delivery = EmailDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert mailoutbox == []
    assert "Could not queue e-mail" in caplog.text

    monkeypatch.undo()
    call_command("send_pending_emails")
    assert EmailDelivery.objects.get().status == DeliveryStatus.SENT
    assert [m.subject for m in mailoutbox] == [RENDERED.subject]


def test_a_send_failure_keeps_the_row_for_the_retry(member, committed, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_queue_once.FailingBackend"
    with committed():
        _queue(member)
    delivery = EmailDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert "refusé" in delivery.last_error
    with committed() as callbacks:
        _queue(member)  # called again after the failure: no second row, no second queueing
    assert callbacks == []
    assert EmailDelivery.objects.count() == 1


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPDataError(451, "4.3.0 refusé pour l'instant")

"""E-mails: French HTML + text, unsubscribe headers, header injection, retry without duplicates."""

import smtplib
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from tests.processes import free_port
from website.notifications.emails import deliver, safe_header
from website.notifications.kinds import Kind
from website.notifications.models import DeliveryStatus, EmailDelivery, Notification
from website.notifications.services import Audience, notify
from website.notifications.tasks import queue_immediate_emails

pytestmark = pytest.mark.django_db


def _notify(user, *, title="Groupement de commandes pour le sel", actor=None, key="event:1"):
    created = notify(
        event_key=key,
        audiences=[Audience(Kind.ANSWER, [user.pk])],
        actor=actor,
        title=title,
        excerpt="Nous avons lancé un groupement avec trois communes.",
        url="/questions/7/groupement/#reponse-9",
    )
    queue_immediate_emails(created)  # what the fan-out task does after `notify`
    return created


def test_a_notification_email_has_french_text_and_html_and_the_exact_link(
    member, committed, mailoutbox
):
    with committed():
        _notify(member)
    message = mailoutbox[0]
    assert message.subject == "[Entraide] Groupement de commandes pour le sel"
    assert "a répondu" in message.body
    assert "http://127.0.0.1:8000/questions/7/groupement/#reponse-9" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="fr">' in html
    assert 'href="http://127.0.0.1:8000/questions/7/groupement/#reponse-9"' in html
    assert "style=" not in html  # simple HTML: one stylesheet in the head, no inline styles


def test_every_email_carries_one_click_unsubscribe_headers(member, committed, mailoutbox):
    with committed():
        _notify(member)
    headers = mailoutbox[0].extra_headers
    delivery = EmailDelivery.objects.get()
    assert headers["List-Unsubscribe"] == f"<{delivery.unsubscribe_url}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert delivery.unsubscribe_url.startswith("http://127.0.0.1:8000/notifications/desabonnement/")
    assert delivery.unsubscribe_url in mailoutbox[0].body
    assert headers["Message-ID"] == delivery.message_id


def test_a_newline_in_a_title_or_a_name_cannot_inject_a_header(
    member, make_user, committed, mailoutbox
):
    actor = make_user(first_name="Eve\r\nBcc: cible@example.org", last_name="X")
    with committed():
        _notify(member, title="Titre\r\nBcc: victime@example.org\nX-Evil: 1", actor=actor)
    message = mailoutbox[0]
    raw = message.message().as_bytes().decode()
    header_block = raw.split("\n\n", 1)[0]
    assert "\nBcc:" not in header_block
    assert "\nX-Evil:" not in header_block
    assert message.recipients() == [member.email]
    assert message.subject == "[Entraide] Titre Bcc: victime@example.org X-Evil: 1"


def test_safe_header_drops_control_and_line_separator_characters():
    assert safe_header("a\u2028b\x00c\td\u200e") == "a b c d"
    assert safe_header("x" * 300, max_length=10) == "xxxxxxxxx…"


def test_an_email_queued_before_the_account_was_deactivated_is_cancelled(member, mailoutbox):
    delivery = _queued_delivery(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert deliver(delivery.pk).status == DeliveryStatus.CANCELLED
    assert mailoutbox == []


def _queued_delivery(user):
    """A notification whose e-mail is in the outbox but not sent yet (tasks not run)."""
    from django.test import override_settings

    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}}
    ):
        from django.db import transaction

        with transaction.atomic():
            _notify(user)
    return EmailDelivery.objects.get(recipient=user)


# --- A real SMTP server that fails, then accepts ------------------------------------------


TEMPORARY = "451 4.3.0 Service temporairement indisponible"
PERMANENT = "554 5.7.1 Message refusé"


class FlakySMTPHandler:
    """Refuses the first `failures` messages (by default with a temporary error), then accepts."""

    def __init__(self, failures: int, reply: str = TEMPORARY):
        self.failures = failures
        self.reply = reply
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        if self.failures > 0:
            self.failures -= 1
            return self.reply
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def flaky_smtp(settings):
    """`flaky_smtp(failures, reply)`: a local SMTP server on a free port, Django pointed at it."""
    controllers = []

    def start(failures: int, reply: str = TEMPORARY):
        handler = FlakySMTPHandler(failures, reply)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        return handler

    yield start
    for controller in controllers:
        controller.stop()


def test_an_smtp_failure_is_retried_with_back_off_and_sent_exactly_once(
    member, committed, flaky_smtp, caplog
):
    smtp = flaky_smtp(failures=1)
    with committed():
        _notify(member)  # the member's action is done; the first attempt fails
    delivery = EmailDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert "451" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=60)
    assert "retry at" in caplog.text
    assert smtp.received == []
    assert Notification.objects.filter(recipient=member).exists()  # nothing lost

    # Too early: nothing is retried yet.
    call_command("send_pending_emails")
    assert smtp.received == []

    later = delivery.next_attempt_at + timedelta(seconds=1)
    assert deliver(delivery.pk, now=later).status == DeliveryStatus.SENT
    assert len(smtp.received) == 1
    assert smtp.received[0].rcpt_tos == [member.email]

    # Retrying again (a duplicate task, the cron command) never sends a second copy.
    assert deliver(delivery.pk, now=later + timedelta(hours=1)).status == DeliveryStatus.SENT
    call_command("send_pending_emails")
    assert len(smtp.received) == 1


def test_the_cron_command_sends_what_is_due(member, committed, flaky_smtp):
    smtp = flaky_smtp(failures=1)
    with committed():
        _notify(member)
    EmailDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    call_command("send_pending_emails")
    assert len(smtp.received) == 1
    assert EmailDelivery.objects.get().status == DeliveryStatus.SENT


def test_a_refused_email_is_abandoned_and_logged_after_the_last_attempt(
    member, committed, flaky_smtp, settings, caplog
):
    settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = 2
    flaky_smtp(failures=5, reply=PERMANENT)
    with committed():
        _notify(member)
    delivery = EmailDelivery.objects.get()
    outcome = deliver(delivery.pk, now=delivery.next_attempt_at)
    assert outcome.status == DeliveryStatus.FAILED
    assert "abandoned after 2 attempts" in caplog.text


def test_a_server_outage_never_uses_up_the_attempts_but_ends_after_the_give_up_delay(
    member, committed, flaky_smtp, settings, caplog
):
    settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = 2
    settings.NOTIFICATIONS_EMAIL_GIVE_UP_AFTER_DAYS = 3
    smtp = flaky_smtp(failures=6)  # temporary errors (4xx): the server's trouble, not ours
    with committed():
        _notify(member)
    delivery = EmailDelivery.objects.get()
    for _attempt in range(4):
        delivery.refresh_from_db()
        assert deliver(delivery.pk, now=delivery.next_attempt_at).status == DeliveryStatus.PENDING
    assert EmailDelivery.objects.get().attempts == 5
    assert smtp.received == []
    too_late = delivery.created_at + timedelta(days=3, seconds=1)
    assert deliver(delivery.pk, now=too_late).status == DeliveryStatus.FAILED
    assert "abandoned after 6 attempts" in caplog.text


def test_no_smtp_server_at_all_leaves_the_email_pending_and_the_action_done(
    member, committed, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nobody listens there
    with committed():
        _notify(member)
    delivery = EmailDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()


def test_a_failed_quit_after_the_message_was_accepted_does_not_cause_a_resend(
    member, monkeypatch, flaky_smtp
):
    smtp = flaky_smtp(failures=0)
    delivery = _queued_delivery(member)
    monkeypatch.setattr(
        smtplib.SMTP, "quit", lambda self: (_ for _ in ()).throw(smtplib.SMTPException("boom"))
    )
    assert deliver(delivery.pk).status == DeliveryStatus.SENT
    assert deliver(delivery.pk).status == DeliveryStatus.SENT
    assert len(smtp.received) == 1


def test_a_delivery_claimed_by_a_live_worker_is_not_sent_by_another(member, mailoutbox):
    delivery = _queued_delivery(member)
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now()
    )
    assert deliver(delivery.pk).status == DeliveryStatus.SENDING
    assert mailoutbox == []


def test_the_task_backend_gets_the_retry_with_its_run_after(
    member, committed, flaky_smtp, settings
):
    from django_tasks import task_backends

    flaky_smtp(failures=1)
    delivery = _queued_delivery(member)
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}
    }
    from website.notifications.tasks import send_email

    send_email.call(delivery.pk)
    results = task_backends["default"].results
    assert len(results) == 1
    assert results[0].task.run_after == EmailDelivery.objects.get().next_attempt_at


def test_a_long_cron_run_claims_and_schedules_each_email_at_the_time_it_tries_it(
    member, flaky_smtp, monkeypatch
):
    """A cron run can last long (an outage where every connection times out): the row it tries
    last must not be claimed, nor its retry scheduled, as of the run's start — a claim dated
    20 minutes back looks stale to the worker at once, a retry dated back is due at once."""
    from types import SimpleNamespace

    from website import outbox

    flaky_smtp(failures=1)
    delivery = _queued_delivery(member)
    started = timezone.now() - timedelta(minutes=20)
    EmailDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=started)
    # The run's own clock (which rows are due) stands at its start; each try reads its own.
    monkeypatch.setattr(outbox, "timezone", SimpleNamespace(now=lambda: started))

    call_command("send_pending_emails", verbosity=0)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.claimed_at > timezone.now() - timedelta(minutes=1)
    assert delivery.next_attempt_at > timezone.now()

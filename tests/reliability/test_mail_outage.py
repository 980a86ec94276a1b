"""Mail outage drill: a burst of posts while the mail server is down, then the server comes back.

Members ask and answer through the real views while every connection to the mail server fails
(refused, timed out, dropped, "421 service not available", "450 mailbox busy"). Every post must
be saved and every notification e-mail kept in the outbox, through an outage longer than the
attempts allowed for a refused message. Once the server answers again, the retries (the task
worker's deferred sends and the cron command, both running over the same rows) send every
e-mail exactly once: one message per outbox row, the same Message-ID, none lost, none twice.

Run with the immediate task backend (development: retries come from the cron command only) and
with the database queue and its worker (production: `db_worker` and the cron command).
"""

import itertools
import smtplib
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from directory.models import InterestKind, TopicInterest
from qa.models import Answer, Question
from tests import factories
from website.notifications.kinds import Kind
from website.notifications.models import DeliveryStatus, EmailDelivery, Notification

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ASKERS, QUESTIONS_EACH, ANSWERERS, EXPERTS = 3, 2, 4, 2
QUESTIONS = ASKERS * QUESTIONS_EACH
# Per question: each expert is told at once; the k-th answer tells the asker and the k-1
# earlier answerers (who follow the thread since they answered).
MAILS_PER_QUESTION = EXPERTS + sum(range(1, ANSWERERS + 1))
OUTAGE_ROUNDS = 4  # retries while the server is down: more than the attempts allowed below


class OutageBackend(BaseEmailBackend):
    """A mail server that fails in the ways an outage does, until `up` is set."""

    up = threading.Event()
    sent: list = []
    _failures = itertools.cycle(
        [
            lambda: ConnectionRefusedError(111, "Connection refused"),
            lambda: TimeoutError("timed out"),
            lambda: smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
            lambda: smtplib.SMTPConnectError(421, b"Service not available"),
            None,  # connected, then the recipient is refused for now (see send_messages)
        ]
    )
    _lock = threading.Lock()

    def open(self):
        if not self.up.is_set():
            with self._lock:
                failure = next(self._failures)
            if failure is not None:
                raise failure()
        return True

    def send_messages(self, messages):
        if not self.up.is_set():
            refused = dict.fromkeys(messages[0].to, (450, b"Mailbox busy"))
            raise smtplib.SMTPRecipientsRefused(refused)
        with self._lock:
            self.sent.extend(messages)
        return len(messages)


@pytest.fixture
def mail_server(settings):
    settings.EMAIL_BACKEND = f"{__name__}.OutageBackend"
    OutageBackend.up.clear()
    OutageBackend.sent = []
    yield OutageBackend
    OutageBackend.up.clear()


@pytest.fixture(params=["immediate", "database"])
def task_queue(request, settings):
    """Runs what production runs between requests: the worker (if any), then the cron line."""
    if request.param == "database":
        settings.TASKS = {
            "default": {
                "BACKEND": "django_tasks_db.DatabaseBackend",
                "QUEUES": ["default", "search", "email"],
            }
        }

    def work():
        if request.param == "database":
            call_command(
                "db_worker",
                batch=True,
                queue_name="default,email",
                startup_delay=False,
                interval=0,
                verbosity=0,
            )

    work.kind = request.param
    return work


def _member(**fields):
    # Approved long ago: the new-member posting limit is not what this drill measures.
    return factories.UserFactory(approved_at=timezone.now() - timedelta(days=90), **fields)


def _expert(topic):
    user = _member(roles=["Experts"])
    person = factories.PersonFactory(user=user, first_name=user.first_name, last_name="Experte")
    TopicInterest.objects.create(
        person=person, topic=topic, kind=InterestKind.EXPERTISE, is_confirmed=True
    )
    return user


def _burst(client, topic, askers, answerers, work):
    """Ask and answer through the views; every request must succeed while mail is down.

    The worker keeps up with the requests (so an answer's fan-out sees the followers of that
    moment, as in the immediate mode).
    """
    for asker in askers:
        client.force_login(asker)
        for number in range(QUESTIONS_EACH):
            response = client.post(
                reverse("qa:question_ask"),
                {
                    "kind": "question",
                    "title": f"Panne de la saleuse, question {number} de {asker.first_name}",
                    "body": "Qui peut nous prêter une saleuse cette semaine ? Merci d'avance.",
                    "topics": [topic.pk],
                },
            )
            assert response.status_code == 302, response.content[:500]
            work()
    questions = list(Question.objects.order_by("pk"))
    for answerer in answerers:
        client.force_login(answerer)
        for question in questions:
            response = client.post(
                reverse("qa:answer_create", args=[question.pk]),
                {"body": f"Notre commune peut vous dépanner ({answerer.first_name})."},
            )
            assert response.status_code == 302, response.content[:500]
            work()
    return questions


def _time_passes():
    """Every retry scheduled so far becomes due (the outbox's and the task queue's)."""
    now = timezone.now()
    EmailDelivery.objects.filter(status=DeliveryStatus.PENDING).update(next_attempt_at=now)
    DBTaskResult.objects.filter(status="READY").update(run_after=now)


def _retry_round(work):
    _time_passes()
    call_command("send_pending_emails", verbosity=0)
    work()


def test_a_burst_of_posts_during_a_mail_outage_loses_no_post_and_no_mail(
    client, mail_server, task_queue, settings, caplog
):
    # A refused message would be abandoned after 2 attempts; an outage must not be.
    settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = 2
    topic = factories.TopicFactory(name="Viabilité hivernale")
    experts = [_expert(topic) for _ in range(EXPERTS)]
    askers = [_member() for _ in range(ASKERS)]
    answerers = [_member() for _ in range(ANSWERERS)]

    questions = _burst(client, topic, askers, answerers, task_queue)

    # Every post is saved, every notification and its e-mail is in the outbox.
    assert len(questions) == QUESTIONS
    assert Answer.objects.count() == QUESTIONS * ANSWERERS
    assert set(Question.objects.values_list("answer_count", flat=True)) == {ANSWERERS}
    expected_mails = QUESTIONS * MAILS_PER_QUESTION
    assert EmailDelivery.objects.count() == expected_mails
    assert Notification.objects.filter(email_delivery__isnull=False).count() == expected_mails
    routed = Notification.objects.filter(kind=Kind.QUESTION_ROUTED)
    assert set(routed.values_list("recipient", flat=True)) == {user.pk for user in experts}
    assert EmailDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == expected_mails
    assert not EmailDelivery.objects.filter(attempts=0).exists()  # each was tried, and failed
    assert mail_server.sent == []

    # The outage lasts: retries keep failing, nothing is abandoned, nothing is sent.
    for _round in range(OUTAGE_ROUNDS):
        _retry_round(task_queue)
    statuses = Counter(EmailDelivery.objects.values_list("status", flat=True))
    assert statuses == {DeliveryStatus.PENDING: expected_mails}
    assert min(EmailDelivery.objects.values_list("attempts", flat=True)) > OUTAGE_ROUNDS
    assert "abandoned" not in caplog.text
    assert mail_server.sent == []

    # The server is back: the next retries send everything, exactly once.
    mail_server.up.set()
    for _round in range(3):
        _retry_round(task_queue)
    deliveries = list(EmailDelivery.objects.select_related("recipient"))
    assert Counter(delivery.status for delivery in deliveries) == {
        DeliveryStatus.SENT: expected_mails
    }
    sent_ids = Counter(message.extra_headers["Message-ID"] for message in mail_server.sent)
    assert len(mail_server.sent) == expected_mails
    assert sent_ids == Counter({delivery.message_id: 1 for delivery in deliveries})
    recipients = Counter(tuple(message.to) for message in mail_server.sent)
    assert recipients == Counter((delivery.recipient.email,) for delivery in deliveries)
    for expert in experts:
        assert recipients[(expert.email,)] == QUESTIONS
    for asker in askers:
        assert recipients[(asker.email,)] == QUESTIONS_EACH * ANSWERERS

"""Mail outage drill: a burst of posts while the mail server is down, then the server comes back.

The mail server is a real local SMTP server (aiosmtpd) on a loopback port. Members ask and
answer through the real views while nothing listens on that port; every post must be saved and
every notification e-mail kept in the outbox. Two sender processes then work on the same
database, as in production: the task worker (`manage.py db_worker`) and the cron command
(`manage.py send_pending_emails`, run back to back), racing over the same outbox rows. The
server refuses connections, then answers "450 mailbox busy" and "421 service not available"
for longer than the attempts allowed for a refused message: nothing may be abandoned and
nothing sent. Once the server accepts, every e-mail must be received exactly once: one message
per outbox row, its Message-ID, its recipient, none lost, none twice.

The second part checks the takeover of a claim left by a sender that died mid-send: a SENDING
row older than the claim timeout is sent once by the next run; a fresh claim is left alone.

On SQLite the test database is copied into a file the processes share (WAL, busy timeout,
BEGIN IMMEDIATE, as in production); on PostgreSQL they share the test database.
"""

import email
import itertools
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from directory.models import InterestKind, TopicInterest
from qa.models import Answer, Question
from tests import factories
from tests.concurrency import file_database, in_thread
from tests.processes import free_port
from tests.reliability import drill_worker
from website.notifications.emails import stale_claim_delay
from website.notifications.kinds import Kind
from website.notifications.models import DeliveryStatus, EmailDelivery, Notification

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]
ASKERS, QUESTIONS_EACH, ANSWERERS, EXPERTS = 3, 2, 4, 2
QUESTIONS = ASKERS * QUESTIONS_EACH
# Per question: each expert is told at once; the k-th answer tells the asker and the k-1
# earlier answerers (who follow the thread since they answered).
MAILS_PER_QUESTION = EXPERTS + sum(range(1, ANSWERERS + 1))
EXPECTED_MAILS = QUESTIONS * MAILS_PER_QUESTION
MAX_ATTEMPTS = 2  # a refused message is abandoned after 2 attempts; an outage must not be
# Each sender process signs its envelopes with its own sender address, to tell them apart.
SENDERS = {"worker": "worker@drill.invalid", "cron": "cron@drill.invalid"}
DEADLINE_SECONDS = 240


# --- The mail server -----------------------------------------------------------------------


class OutageSMTPHandler:
    """A local SMTP server that is busy (450 at RCPT, 421 at DATA, in turn), then accepts."""

    def __init__(self):
        self.accepting = False
        self.received = []
        self.refusals = Counter()
        self._turn = itertools.count()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.accepting and next(self._turn) % 2 == 0:
            self.refusals["450"] += 1
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if not self.accepting:
            self.refusals["421"] += 1
            return "421 4.3.0 Service not available, closing channel"
        self.received.append(envelope)
        return "250 OK"


def _received(handler):
    """(Message-ID, recipients, sender) of every message the server accepted."""
    messages = []
    for envelope in handler.received:
        message = email.message_from_bytes(envelope.original_content)
        messages.append((message["Message-ID"], tuple(envelope.rcpt_tos), envelope.mail_from))
    return messages


@pytest.fixture
def smtp_server():
    """`start()` starts the server on `port` (nothing listens there before)."""
    handler = OutageSMTPHandler()
    handler.port = free_port()
    controllers = []

    def start():
        controller = Controller(handler, hostname="127.0.0.1", port=handler.port, ready_timeout=60)
        controller.start()
        controllers.append(controller)

    handler.start = start
    yield handler
    for controller in controllers:
        controller.stop()


# --- The burst of posts (test process, real views) ----------------------------------------


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


def _fan_out():
    """The worker's first job, run here after each post: the notifications and their e-mails
    (so that an answer's fan-out sees the followers of that moment). Sends stay queued.
    (`db_worker`'s own loop, without its signal handlers: this runs outside the main thread.)"""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="drill-fan-out",
        excluded_queue_names=[],
    ).run()


def _burst():
    topic = factories.TopicFactory(name="Viabilité hivernale")
    experts = [_expert(topic) for _ in range(EXPERTS)]
    askers = [_member() for _ in range(ASKERS)]
    answerers = [_member() for _ in range(ANSWERERS)]
    client = Client()
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
            _fan_out()
    questions = list(Question.objects.order_by("pk"))
    for answerer in answerers:
        client.force_login(answerer)
        for question in questions:
            response = client.post(
                reverse("qa:answer_create", args=[question.pk]),
                {"body": f"Notre commune peut vous dépanner ({answerer.first_name})."},
            )
            assert response.status_code == 302, response.content[:500]
            _fan_out()
    return {"experts": experts, "askers": askers}


def _outbox():
    deliveries = EmailDelivery.objects.select_related("recipient").order_by("pk")
    return [
        {
            "pk": delivery.pk,
            "status": delivery.status,
            "attempts": delivery.attempts,
            "message_id": delivery.message_id,
            "email": delivery.recipient.email,
        }
        for delivery in deliveries
    ]


def _time_passes():
    """Every retry scheduled so far becomes due (the outbox's and the task queue's)."""
    now = timezone.now()
    EmailDelivery.objects.filter(status=DeliveryStatus.PENDING).update(next_attempt_at=now)
    DBTaskResult.objects.filter(status="READY").update(run_after=now)


# --- The two sender processes -------------------------------------------------------------


def _sender_environment(folder, port, sender):
    db_url = drill_worker.database_url(connection)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    return (
        environment
        | drill_worker.child_environment(db_url, folder)
        | {
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "DEFAULT_FROM_EMAIL": SENDERS[sender],
            "NOTIFICATIONS_EMAIL_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
            # Every failed attempt is logged at WARNING: the drill reads who tried what.
            "LOG_LEVEL": "WARNING",
        }
    )


def _start_senders(folder, port, stop_file):
    manage = [sys.executable, str(ROOT / "manage.py")]
    commands = {
        "worker": [
            *manage,
            "db_worker",
            "--queue-name",
            "default,email",
            "--interval",
            "0.1",
            "--no-startup-delay",
            "--no-reload",
        ],
        "cron": [sys.executable, "-m", "tests.reliability.mail_drill_cron", stop_file],
    }
    processes = {}
    for sender, command in commands.items():
        log = open(Path(folder) / f"{sender}.log", "w")  # noqa: SIM115 — closed in _stop
        processes[sender] = subprocess.Popen(  # noqa: S603 (fixed arguments)
            command,
            env=_sender_environment(folder, port, sender),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes[sender].log = log
    return processes


def _stop(processes, stop_file):
    Path(stop_file).touch()
    processes["worker"].terminate()
    for process in processes.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.log.close()
    return {name: Path(process.log.name).read_text() for name, process in processes.items()}


def _wait_for(condition, processes, what):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        for name, process in processes.items():
            assert process.poll() is None, f"the {name} process stopped"
        outbox = in_thread(_outbox)
        if condition(outbox):
            return outbox
        in_thread(_time_passes)
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}: {Counter(r['status'] for r in outbox)}")


FAILED_ATTEMPT = re.compile(r"E-mail (\d+) to user \d+ failed \(attempt \d+\)")


@pytest.fixture
def production_queue(settings):
    """Web requests only queue their background work, as in production."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "search", "email"],
        }
    }


@pytest.mark.long
def test_two_senders_racing_through_a_mail_outage_send_every_email_exactly_once(
    smtp_server, production_queue
):
    with file_database(), tempfile.TemporaryDirectory(prefix="entraide-mail-") as folder:
        people = in_thread(_burst)

        # Every post is saved, every notification and its e-mail is in the outbox, unsent.
        outbox = in_thread(_outbox)
        assert in_thread(Question.objects.count) == QUESTIONS
        assert in_thread(Answer.objects.count) == QUESTIONS * ANSWERERS
        assert len(outbox) == EXPECTED_MAILS
        assert in_thread(Notification.objects.filter(email_delivery__isnull=False).count) == (
            EXPECTED_MAILS
        )
        routed = in_thread(
            lambda: set(
                Notification.objects.filter(kind=Kind.QUESTION_ROUTED).values_list(
                    "recipient", flat=True
                )
            )
        )
        assert routed == {user.pk for user in people["experts"]}
        assert {row["status"] for row in outbox} == {DeliveryStatus.PENDING}

        stop_file = str(Path(folder) / "stop")
        processes = _start_senders(folder, smtp_server.port, stop_file)
        try:
            # Nothing listens on the mail port: connections are refused.
            _wait_for(
                lambda rows: all(row["attempts"] >= 1 for row in rows),
                processes,
                "a first refused attempt for every e-mail",
            )
            # The server answers, but busy: 450 and 421, longer than MAX_ATTEMPTS.
            smtp_server.start()
            outbox = _wait_for(
                lambda rows: all(row["attempts"] > MAX_ATTEMPTS + 2 for row in rows),
                processes,
                "several busy answers for every e-mail",
            )
            assert {row["status"] for row in outbox} <= {
                DeliveryStatus.PENDING,
                DeliveryStatus.SENDING,
            }
            assert smtp_server.received == []
            assert smtp_server.refusals["450"] and smtp_server.refusals["421"]

            # The server is back: both senders race to send what is due.
            smtp_server.accepting = True
            outbox = _wait_for(
                lambda rows: all(row["status"] == DeliveryStatus.SENT for row in rows),
                processes,
                "every e-mail sent",
            )
            time.sleep(1)  # a duplicate send would land now
        finally:
            logs = _stop(processes, stop_file)

    # Each outbox row was received once, with its Message-ID, by its recipient only.
    received = _received(smtp_server)
    assert len(received) == EXPECTED_MAILS
    assert Counter(message_id for message_id, _to, _sender in received) == Counter(
        {row["message_id"]: 1 for row in outbox}
    )
    assert Counter(to for _id, to, _sender in received) == Counter(
        (row["email"],) for row in outbox
    )
    for expert in people["experts"]:
        assert sum(to == (expert.email,) for _id, to, _sender in received) == QUESTIONS
    for asker in people["askers"]:
        assert sum(to == (asker.email,) for _id, to, _sender in received) == (
            QUESTIONS_EACH * ANSWERERS
        )
    # Both processes really raced: each tried the same rows during the outage and each sent
    # some of the e-mails once the server was back.
    tried = {name: set(map(int, FAILED_ATTEMPT.findall(log))) for name, log in logs.items()}
    assert tried["worker"] & tried["cron"], tried
    senders = Counter(sender for _id, _to, sender in received)
    assert set(senders) == set(SENDERS.values()), senders
    for name, log in logs.items():
        assert "Traceback" not in log and "abandoned" not in log, (name, log[-3000:])


# --- Taking over the claim of a sender that died mid-send -----------------------------------


@pytest.fixture
def accepting_smtp(smtp_server, settings):
    smtp_server.accepting = True
    smtp_server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_server


def _claimed_delivery(user, *, claimed_ago):
    """An outbox row a sender claimed `claimed_ago` and never finished (it died)."""
    from website.notifications.services import Audience, notify

    settings_override = {
        "TASKS": {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}}
    }
    from django.test import override_settings

    with override_settings(**settings_override):
        notify(
            event_key=f"event:{user.pk}",
            audiences=[Audience(Kind.ANSWER, [user.pk])],
            actor=None,
            title="Groupement de commandes pour le sel",
            excerpt="Nous avons lancé un groupement avec trois communes.",
            url="/questions/7/groupement/#reponse-9",
        )
    delivery = EmailDelivery.objects.get(recipient=user)
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING,
        claimed_at=timezone.now() - claimed_ago,
        attempts=1,
    )
    return EmailDelivery.objects.get(pk=delivery.pk)


def test_a_stale_claim_is_taken_over_and_sent_once_and_a_fresh_claim_is_left_alone(
    accepting_smtp,
):
    timeout = stale_claim_delay()
    abandoned = _claimed_delivery(_member(), claimed_ago=timeout + timedelta(minutes=1))
    in_progress = _claimed_delivery(_member(), claimed_ago=timeout - timedelta(minutes=1))

    call_command("send_pending_emails", verbosity=0)
    call_command("send_pending_emails", verbosity=0)  # the next cron run finds nothing to do

    abandoned.refresh_from_db()
    assert abandoned.status == DeliveryStatus.SENT
    assert abandoned.attempts == 2
    in_progress.refresh_from_db()
    assert in_progress.status == DeliveryStatus.SENDING
    assert in_progress.attempts == 1
    received = [(message_id, to) for message_id, to, _sender in _received(accepting_smtp)]
    assert received == [(abandoned.message_id, (abandoned.recipient.email,))]

    # The worker's queued send of the taken-over row (a duplicate task) sends nothing more.
    from website.notifications.emails import deliver

    assert deliver(abandoned.pk).status == DeliveryStatus.SENT
    assert deliver(in_progress.pk).status == DeliveryStatus.SENDING
    assert len(accepting_smtp.received) == 1

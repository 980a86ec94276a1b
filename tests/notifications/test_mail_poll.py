"""IMAP polling (`manage.py mail_poll`) against a real Dovecot on loopback: the waiting replies
are posted exactly once, even with two pollers at once, and a message that fails is not lost."""

import os
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from qa import services as qa_services
from qa.models import Answer
from tests.concurrency import file_database, in_thread
from tests.notifications.dovecot import DOVECOT, SKIP_REASON, running_dovecot
from tests.reliability import drill_worker
from website.notifications import imap, intake, replies
from website.notifications.models import InboundMail, InboundStatus

needs_dovecot = pytest.mark.skipif(DOVECOT is None, reason=SKIP_REASON)


@pytest.fixture
def mailbox(settings):
    settings.REPLY_DOMAIN = "reponses.example.org"
    with running_dovecot() as box:
        settings.INBOUND_IMAP_URL = box.url
        yield box


@pytest.fixture
def thread(make_user, make_topic):
    asker = make_user()
    return qa_services.question_create(
        author=asker,
        title="Qui déneige les voies communales ?",
        body="Nous cherchons un prestataire.",
        topics=[make_topic()],
    )


def reply(member, question, text, *, message_id=None) -> bytes:
    message = EmailMessage()
    message["From"] = f"Jeanne Exemple <{member.email}>"
    message["To"] = replies.reply_address(
        user=member, target=replies.ReplyTarget(user_id=member.pk, question_id=question.pk)
    )
    message["Subject"] = "Re: [Entraide] Qui déneige les voies communales ?"
    message["Message-ID"] = message_id or make_msgid(domain="example.fr")
    message.set_content(
        f"{text}\n\n"
        "Le lun. 30 nov. 2026 à 09:00, Entraide <ne-pas-repondre@entraide.example.org> a écrit :\n"
        "> Nous cherchons un prestataire.\n"
    )
    return message.as_bytes(policy=SMTP)  # CRLF, as IMAP gives it back


def test_the_imap_address_is_read_from_one_url():
    account = imap.account_from_url("imaps://boite%40mairie.fr:p%3Ass@imap.example.org/Entraide")
    assert (account.host, account.port, account.security) == ("imap.example.org", 993, "ssl")
    assert (account.user, account.password, account.mailbox) == (
        "boite@mairie.fr",
        "p:ss",
        "Entraide",
    )
    starttls = imap.account_from_url("imap://u:p@imap.example.org?starttls=1")
    assert (starttls.port, starttls.security, starttls.mailbox) == (143, "starttls", "INBOX")
    assert imap.account_from_url("imap://u:p@127.0.0.1:1143").security == "none"
    for wrong in ("imap://u:p@imap.example.org/", "pop3://u:p@h/", "imaps://imap.example.org/"):
        with pytest.raises(imap.ImapConfigurationError):
            imap.account_from_url(wrong)


def test_mail_poll_needs_a_mailbox(settings):
    settings.INBOUND_IMAP_URL = ""
    with pytest.raises(CommandError, match="INBOUND_IMAP_URL"):
        call_command("mail_poll", "--once")


@needs_dovecot
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_waiting_replies_are_posted_once_and_leave_the_mailbox(mailbox, thread, make_user, capsys):
    members = [make_user() for _ in range(3)]
    raws = [reply(member, thread, f"Réponse numéro {n}.") for n, member in enumerate(members)]
    for raw in raws:
        mailbox.append(raw)

    call_command("mail_poll", "--once")

    assert "3 nouveau(x), 0 déjà reçu(s), 0 laissé(s)" in capsys.readouterr().out
    assert sorted(Answer.objects.values_list("body", flat=True)) == [
        "Réponse numéro 0.",
        "Réponse numéro 1.",
        "Réponse numéro 2.",
    ]
    assert mailbox.count() == 0
    # The same message delivered again (a replay, a resent copy): stored once, posted once.
    mailbox.append(raws[0])
    call_command("mail_poll", "--once")
    assert "0 nouveau(x), 1 déjà reçu(s)" in capsys.readouterr().out
    assert Answer.objects.count() == 3
    assert InboundMail.objects.count() == 3
    assert mailbox.count() == 0


@needs_dovecot
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_pollers_at_once_post_each_reply_exactly_once(mailbox, thread, make_user):
    members = [make_user() for _ in range(4)]
    expected = []
    for n in range(12):
        text = f"Réponse concurrente {n}."
        expected.append(text)
        mailbox.append(reply(members[n % 4], thread, text))
    account = imap.configured_account()
    start = threading.Barrier(2)
    errors = []

    def poller():
        try:
            connection = imap.connect(account)
            start.wait(timeout=30)
            imap.poll_once(connection)
            connection.logout()
        except Exception as error:  # reported below, not swallowed
            errors.append(error)

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for each in threads:
        each.start()
    for each in threads:
        each.join(timeout=120)
    assert not errors
    # What one pass could not store (a locked SQLite table) waits in the mailbox for the next;
    # what was stored but not processed stays RECEIVED for the `mail_intake --pending` cron.
    for _ in range(5):
        if mailbox.count() == 0:
            break
        call_command("mail_poll", "--once")
    assert mailbox.count() == 0
    call_command("mail_intake", "--pending")
    assert sorted(Answer.objects.values_list("body", flat=True)) == sorted(expected)
    assert InboundMail.objects.filter(status=InboundStatus.POSTED).count() == 12


@needs_dovecot
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_poller_processes_at_once_store_each_reply_exactly_once(
    mailbox, thread, make_user, tmp_path
):
    """Two `manage.py mail_poll --once` processes (cron beside the service, two hosts) on one
    mailbox and one database, with the production task queue: each reply stored once."""
    members = [make_user() for _ in range(4)]
    expected = []
    for n in range(12):
        text = f"Réponse de deux processus {n}."
        expected.append(text)
        mailbox.append(reply(members[n % 4], thread, text))
    with file_database():
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "PYTEST"))
        }
        environment |= drill_worker.child_environment(
            drill_worker.database_url(connection), str(tmp_path)
        ) | {"INBOUND_IMAP_URL": mailbox.url, "REPLY_DOMAIN": "reponses.example.org"}
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        pollers = [
            subprocess.Popen(  # noqa: S603 (fixed arguments)
                [sys.executable, "manage.py", "mail_poll", "--once"],
                env=environment,
                cwd=root,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        outputs = [poller.communicate(timeout=300)[0].decode() for poller in pollers]
        assert [poller.returncode for poller in pollers] == [0, 0], outputs
        assert mailbox.count() == 0
        stored = in_thread(lambda: list(InboundMail.objects.values_list("status", flat=True)))
        assert stored == [InboundStatus.RECEIVED] * 12  # queued for the worker, once each
        in_thread(lambda: call_command("mail_intake", "--pending"))
        bodies = in_thread(lambda: sorted(Answer.objects.values_list("body", flat=True)))
    assert bodies == sorted(expected)


@needs_dovecot
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reply_that_fails_processing_is_kept_and_can_be_retried(
    mailbox, thread, make_user, monkeypatch
):
    member = make_user()
    raw = reply(member, thread, "Elle arrive malgré la panne.")
    mailbox.append(raw)

    def broken(mail):
        raise RuntimeError("panne pendant le traitement")

    monkeypatch.setattr("website.notifications.inbound.process", broken)
    call_command("mail_poll", "--once")

    mail = InboundMail.objects.get()
    assert (mail.status, bytes(mail.raw)) == (InboundStatus.FAILED, raw)
    assert "panne pendant le traitement" in mail.error
    assert mailbox.count() == 0  # stored first: the moderators' list has it now
    monkeypatch.undo()
    assert intake.mail_retry(mail=mail) == InboundStatus.POSTED
    assert Answer.objects.get(author=member).body == "Elle arrive malgré la panne."


@needs_dovecot
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reply_that_cannot_be_stored_stays_in_the_mailbox(
    mailbox, thread, make_user, monkeypatch
):
    member = make_user()
    mailbox.append(reply(member, thread, "Stockée au second passage."))

    def database_down(**kwargs):
        raise OSError("la base ne répond pas")

    monkeypatch.setattr("website.notifications.intake.mail_receive", database_down)
    result = imap.run(imap.configured_account(), stop=threading.Event(), once=True)
    assert (result.stored, result.kept) == (0, 1)
    assert mailbox.count() == 1
    assert not InboundMail.objects.exists()

    monkeypatch.undo()
    call_command("mail_poll", "--once")
    assert Answer.objects.get(author=member).body == "Stockée au second passage."
    assert mailbox.count() == 0


@needs_dovecot
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_large_mail_is_fetched_cut_and_refused(mailbox, thread, make_user, settings):
    settings.INBOUND_MAIL_MAX_BYTES = 20_000
    member = make_user()
    mailbox.append(reply(member, thread, "Une pièce jointe énorme. " + "x" * 200_000))
    call_command("mail_poll", "--once")
    mail = InboundMail.objects.get()
    assert len(mail.raw) == 20_000
    assert (mail.status, mail.reason) == (InboundStatus.REFUSED, "too_large")
    assert not Answer.objects.exists()
    assert mailbox.count() == 0


@needs_dovecot
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_poller_waits_with_idle_and_posts_new_mail_at_once(
    mailbox, thread, make_user, monkeypatch
):
    member = make_user()
    message = reply(member, thread, "Arrivée pendant l'attente.")  # its address, in the copy
    idling = threading.Event()
    real_idle = imap.idle

    def idle_and_tell(connection, **options):
        """`imap.idle`, telling the test once the server has accepted IDLE (its `+` line)."""
        real_readline = connection.readline

        def readline():
            line = real_readline()
            if line.startswith(b"+"):
                idling.set()
            return line

        connection.readline = readline
        try:
            return real_idle(connection, **options)
        finally:
            del connection.readline

    monkeypatch.setattr(imap, "idle", idle_and_tell)
    # The poller's thread posts the answer while this one looks for it: on SQLite's in-memory
    # test database a read during that write fails at once (« database table is locked »,
    # seen under load), so both run on a file copy that waits, as production's does.
    with file_database():
        stop = threading.Event()
        poller = threading.Thread(
            target=imap.run,
            args=(imap.configured_account(),),
            kwargs={"stop": stop, "idle_seconds": 120},
        )
        poller.start()
        try:
            # The first pass found nothing; the message comes while the poller idles.
            assert idling.wait(timeout=20), "the poller never started IDLE"
            mailbox.append(message)
            deadline = time.monotonic() + 20
            while not in_thread(Answer.objects.filter(author=member).exists):
                assert time.monotonic() < deadline, "IDLE did not wake the poller up"
                time.sleep(0.2)
        finally:
            stop.set()
            poller.join(timeout=10)
        assert not poller.is_alive()
        body = in_thread(lambda: Answer.objects.get(author=member).body)
    assert body == "Arrivée pendant l'attente."
    assert mailbox.count() == 0

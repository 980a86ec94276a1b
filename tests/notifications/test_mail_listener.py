"""The SMTP listener: a reply sent with smtplib becomes an answer, without its quoted text."""

import asyncio
import concurrent.futures
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from types import SimpleNamespace

import pytest

from qa import services as qa_services
from qa.models import Answer
from tests.processes import free_port
from website.notifications import replies
from website.notifications.listener import ReplyHandler, make_controller
from website.notifications.models import InboundMail, InboundStatus


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reply_sent_to_the_listener_becomes_an_answer(settings, make_user, make_topic):
    settings.REPLY_DOMAIN = "reponses.example.org"
    asker, member = make_user(), make_user()
    question = qa_services.question_create(
        author=asker,
        title="Qui déneige les voies communales ?",
        body="Nous cherchons un prestataire.",
        topics=[make_topic()],
    )
    address = replies.reply_address(
        user=member, target=replies.ReplyTarget(user_id=member.pk, question_id=question.pk)
    )
    message = EmailMessage()
    message["From"] = f"Jeanne Exemple <{member.email}>"
    message["To"] = address
    message["Subject"] = "Re: [Entraide] Qui déneige les voies communales ?"
    message["Message-ID"] = make_msgid(domain="example.fr")
    message.set_content(
        "C'est la CC qui s'en charge chez nous.\n\n"
        "Le lun. 30 nov. 2026 à 09:00, Entraide <ne-pas-repondre@entraide.example.org> a écrit :\n"
        "> Nous cherchons un prestataire.\n"
    )
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(message)
            # Not one of our reply addresses: refused, the listener never relays; nor one
            # shaped like ours without a valid signature: nothing of it is stored.
            forged = address.replace(address[2:6], "zzzz")
            for recipient in (
                "quelquun@example.org",
                forged,
                "r+n-importe-quoi@reponses.example.org",
            ):
                with pytest.raises(smtplib.SMTPRecipientsRefused):
                    client.sendmail("x@example.fr", [recipient], b"Subject: x\r\n\r\nx")
    finally:
        controller.stop()
    mail = InboundMail.objects.get()
    assert mail.status == InboundStatus.POSTED
    assert Answer.objects.get(author=member).body == "C'est la CC qui s'en charge chez nous."


def _run(coroutine):
    """On a thread of its own: the worker's thread may already run Playwright's event loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_lmtp_answers_once_per_recipient(monkeypatch):
    """RFC 2033: after DATA, one status per accepted recipient (Postfix waits for each)."""
    stored = []
    monkeypatch.setattr(
        "website.notifications.listener._store", lambda raw, address: stored.append(address)
    )
    envelope = SimpleNamespace(
        original_content=b"Subject: x\r\n\r\nx", content=None, rcpt_tos=["r+a@x", "r+b@x"]
    )
    lmtp = _run(ReplyHandler(lmtp=True).handle_DATA(None, None, envelope))
    smtp = _run(ReplyHandler().handle_DATA(None, None, envelope))
    assert lmtp.split("\r\n") == ["250 2.0.0 Message reçu"] * 2
    assert smtp == "250 2.0.0 Message reçu"
    assert stored == ["r+a@x", "r+b@x"] * 2

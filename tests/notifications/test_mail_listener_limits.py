"""The issue's bad inputs at full size, through the real SMTP listener (aiosmtpd on a free
loopback port, smtplib as the sending server): a mail bomb of 500 messages, a burst of
genuine replies delivered twice, and a 30 MB mail. Small messages over one or two SMTP
connections keep them fast (each posted reply costs its notifications and indexing, so the
genuine burst is 40 replies; the bomb is the full 500)."""

import smtplib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

import pytest

from qa import services as qa_services
from qa.models import Answer
from tests.processes import free_port
from website.notifications import replies
from website.notifications.listener import make_controller
from website.notifications.models import InboundMail, InboundStatus

BURST = 500
GENUINE = 40
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def listener(settings):
    settings.REPLY_DOMAIN = "reponses.example.org"
    settings.QA_NEW_MEMBER_POSTS_PER_HOUR = 10 * BURST  # the mail rules are under test here
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def thread(make_user, make_topic):
    return qa_services.question_create(
        author=make_user(),
        title="Qui déneige les voies communales ?",
        body="Nous cherchons un prestataire.",
        topics=[make_topic()],
    )


def reply(member, address, text, *, message_id=None, size=0) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Jeanne Exemple <{member.email}>"
    message["To"] = address
    message["Subject"] = "Re: [Entraide] Qui déneige les voies communales ?"
    message["Message-ID"] = message_id or make_msgid(domain="mairie.example.fr")
    message.set_content(text)
    if size:
        message.add_attachment(
            b"\x89PNG" + bytes(size), maintype="image", subtype="png", filename="scan.png"
        )
    return message


def address_of(member, thread):
    return replies.reply_address(
        user=member, target=replies.ReplyTarget(user_id=member.pk, question_id=thread.pk)
    )


def test_a_mail_bomb_of_500_messages_is_stored_whole_and_never_published_past_the_cap(
    settings, listener, make_user, thread, mailoutbox
):
    """500 messages in well under a minute from one sender to one address: every one is
    accepted (250) and stored exactly once, the first `INBOUND_MAIL_MAX_PER_HOUR` are posted,
    the rest are refused as « flood » for the moderators, and nobody is written to."""
    settings.INBOUND_MAIL_MAX_PER_HOUR = cap = 10
    member = make_user()
    address = address_of(member, thread)
    mailoutbox.clear()
    with smtplib.SMTP("127.0.0.1", listener, timeout=30) as client:
        for number in range(BURST):
            refused = client.send_message(reply(member, address, f"Message numéro {number}"))
            assert refused == {}
    mails = list(InboundMail.objects.order_by("pk"))
    assert len(mails) == BURST
    assert len({mail.message_id for mail in mails}) == BURST
    assert [mail.status for mail in mails] == [InboundStatus.POSTED] * cap + [
        InboundStatus.REFUSED
    ] * (BURST - cap)
    assert {mail.reason for mail in mails[cap:]} == {"flood"}
    bodies = sorted(Answer.objects.filter(author=member).values_list("body", flat=True))
    assert bodies == sorted(f"Message numéro {number}" for number in range(cap))
    assert [message for message in mailoutbox if message.to == [member.email]] == []
    assert all(mail.refusal_sent_at is None for mail in mails)


def test_a_burst_of_genuine_replies_are_each_posted_exactly_once(
    settings, listener, make_user, thread
):
    """A busy morning: replies of 10 members over two SMTP connections, a tenth of them
    delivered twice (a sending server retrying): one answer each, once."""
    settings.INBOUND_MAIL_MAX_PER_HOUR = GENUINE
    members = [make_user() for _ in range(10)]
    addresses = {member.pk: address_of(member, thread) for member in members}
    with (
        smtplib.SMTP("127.0.0.1", listener, timeout=30) as first,
        smtplib.SMTP("127.0.0.1", listener, timeout=30) as second,
    ):
        for number in range(GENUINE):
            member = members[number % len(members)]
            message = reply(member, addresses[member.pk], f"Réponse {number}")
            client = first if number % 2 else second
            assert client.send_message(message) == {}
            if number % 10 == 0:  # the same message again, on the other connection
                other = second if client is first else first
                assert other.send_message(message) == {}
    assert InboundMail.objects.count() == GENUINE
    assert set(InboundMail.objects.values_list("status", flat=True)) == {InboundStatus.POSTED}
    bodies = list(Answer.objects.filter(question=thread).values_list("body", flat=True))
    assert len(bodies) == GENUINE
    assert sorted(bodies) == sorted(f"Réponse {number}" for number in range(GENUINE))


def test_a_30_mb_mail_is_refused_with_552_and_nothing_is_stored(
    settings, listener, make_user, thread
):
    """Over `INBOUND_MAIL_MAX_BYTES` (10 MB): refused at once when the sending server
    announces its size (SIZE, RFC 1870), else after the data; 552 either way, so the sending
    server keeps the message and tells its author. Nothing is stored, and the connection
    still takes the next message."""
    member = make_user()
    address = address_of(member, thread)
    big = reply(member, address, "Voici le dossier scanné.", size=30 * 1024 * 1024)
    raw = big.as_bytes(policy=SMTP)  # CRLF, as a sending server writes it
    assert len(raw) > 30 * 1024 * 1024 > settings.INBOUND_MAIL_MAX_BYTES
    with smtplib.SMTP("127.0.0.1", listener, timeout=120) as client:
        client.ehlo()
        assert client.has_extn("size")
        assert int(client.esmtp_features["size"]) == settings.INBOUND_MAIL_MAX_BYTES
        with pytest.raises(smtplib.SMTPSenderRefused) as announced:
            client.send_message(big)  # smtplib announces SIZE=<bytes>
        assert announced.value.smtp_code == 552
        client.rset()
        # A server that does not announce the size: the whole 30 MB is read, then refused.
        assert client.mail(member.email)[0] == 250
        assert client.rcpt(address)[0] == 250
        code, _message = client.data(raw)
        assert code == 552
        assert not InboundMail.objects.exists()
        client.rset()
        assert client.send_message(reply(member, address, "Le dossier suit par courrier.")) == {}
    [mail] = InboundMail.objects.all()
    assert mail.status == InboundStatus.POSTED
    assert Answer.objects.get(author=member).body == "Le dossier suit par courrier."

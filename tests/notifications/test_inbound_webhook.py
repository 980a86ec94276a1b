"""The inbound webhook (django-anymail, Mailgun): a signed call goes to the intake like the
listener's and the poller's; a forged or unsigned call is refused and stores nothing."""

import hashlib
import hmac
import time
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

import pytest

from qa import services as qa_services
from qa.models import Answer
from website.notifications import replies
from website.notifications.models import InboundMail, InboundStatus

URL = "/courriels/entrants/mailgun/mime"  # Mailgun posts the raw MIME to a URL ending in mime
KEY = "cle-de-signature-des-webhooks"


@pytest.fixture
def reply_raw(settings, make_user, make_topic):
    settings.REPLY_DOMAIN = "reponses.example.org"
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": KEY}
    member = make_user()
    question = qa_services.question_create(
        author=make_user(),
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
        "Chez nous, c'est la CC.\n\n"
        "Le lun. 30 nov. 2026 à 09:00, Entraide <ne-pas-repondre@entraide.example.org> a écrit :\n"
        "> Nous cherchons un prestataire.\n"
    )
    return member, address, message.as_bytes(policy=SMTP)


def signed(fields: dict, *, key: str = KEY) -> dict:
    timestamp, token = str(int(time.time())), "a" * 50
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {**fields, "timestamp": timestamp, "token": token, "signature": signature}


def mailgun_fields(address: str, raw: bytes) -> dict:
    return {
        "recipient": address,
        "sender": "jeanne@example.org",
        "body-mime": raw.decode("utf-8"),
    }


def test_a_signed_call_posts_the_reply_once(client, reply_raw, committed):
    member, address, raw = reply_raw
    with committed():
        response = client.post(URL, signed(mailgun_fields(address, raw)))
    assert response.status_code == 200
    mail = InboundMail.objects.get()
    assert (mail.status, mail.envelope_to) == (InboundStatus.POSTED, address)
    assert Answer.objects.get(author=member).body == "Chez nous, c'est la CC."
    # The provider retries (or someone replays the signed call): nothing more is posted.
    with committed():
        assert client.post(URL, signed(mailgun_fields(address, raw))).status_code == 200
    assert InboundMail.objects.count() == 1
    assert Answer.objects.filter(author=member).count() == 1


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda fields: fields, id="unsigned"),
        pytest.param(lambda fields: signed(fields, key="une-autre-cle"), id="wrong-key"),
        pytest.param(
            lambda fields: {**signed(fields), "signature": "0" * 64}, id="forged-signature"
        ),
        pytest.param(
            lambda fields: {**signed(fields), "timestamp": "1"}, id="signature-of-another-time"
        ),
    ],
)
def test_a_forged_or_unsigned_call_is_refused_and_stores_nothing(client, reply_raw, forge):
    member, address, raw = reply_raw
    response = client.post(URL, forge(mailgun_fields(address, raw)))
    assert response.status_code == 400
    assert not InboundMail.objects.exists()
    assert not Answer.objects.filter(author=member).exists()


def test_without_a_signing_key_the_webhook_does_not_exist(client, reply_raw, settings):
    _member, address, raw = reply_raw
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": ""}
    assert client.post(URL, signed(mailgun_fields(address, raw), key="")).status_code == 404
    assert not InboundMail.objects.exists()


def test_the_webhook_takes_only_posts(client, reply_raw):
    assert client.get(URL).status_code == 405


def test_a_message_that_cannot_be_stored_fails_so_the_provider_retries(
    client, reply_raw, monkeypatch
):
    _member, address, raw = reply_raw

    def database_down(**kwargs):
        raise OSError("la base ne répond pas")

    monkeypatch.setattr("website.notifications.intake.mail_receive", database_down)
    client.raise_request_exception = False
    response = client.post(URL, signed(mailgun_fields(address, raw)))
    assert response.status_code == 500
    assert not InboundMail.objects.exists()

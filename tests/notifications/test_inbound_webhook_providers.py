"""The inbound webhooks of Postmark, SendGrid and Brevo (django-anymail), each in the payload
format its provider posts (the shapes anymail documents and tests): turned on in the settings,
guarded by HTTP basic authentication, going to the same intake as the listener's."""

import base64
import json
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

import pytest

from qa import services as qa_services
from qa.models import Answer
from website.notifications import replies
from website.notifications.models import InboundMail, InboundStatus

SECRET = "entraide:phrase-secrete-du-webhook"
TEXT = "Chez nous, c'est la CC qui déneige."
QUOTE = "Le lun. 30 nov. 2026 à 09:00, Entraide <ne-pas-repondre@entraide.example.org> a écrit :"


@pytest.fixture
def reply(settings, make_user, make_topic):
    settings.REPLY_DOMAIN = "reponses.example.org"
    settings.INBOUND_WEBHOOK_PROVIDERS = ["postmark", "sendgrid", "brevo"]
    settings.INBOUND_WEBHOOK_SECRET = SECRET
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": "", "BREVO_API_KEY": "cle-api-brevo"}
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
    message["Message-ID"] = make_msgid(domain="mairie.example.fr")
    message["Date"] = "Mon, 30 Nov 2026 10:02:11 +0100"
    message.set_content(f"{TEXT}\n\n{QUOTE}\n> Nous cherchons un prestataire.\n")
    return member, address, message


def auth(secret: str = SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


# --- Each provider's payload ------------------------------------------------------------------


def postmark(address: str, message: EmailMessage, *, raw: bool = True) -> dict:
    """Postmark's inbound JSON; `RawEmail` with « Include raw email content in JSON payload »."""
    member_email = message["From"].addresses[0].addr_spec
    payload = {
        "FromName": "Jeanne Exemple",
        "MessageStream": "inbound",
        "From": member_email,
        "FromFull": {"Email": member_email, "Name": "Jeanne Exemple", "MailboxHash": ""},
        "To": address,
        "ToFull": [{"Email": address, "Name": "", "MailboxHash": address.split("+")[1]}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": address,
        "Subject": str(message["Subject"]),
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": str(message["Date"]),
        "TextBody": message.get_content(),
        "HtmlBody": "",
        "StrippedTextReply": TEXT,
        "Tag": "",
        "Headers": [
            {"Name": "Return-Path", "Value": f"<{member_email}>"},
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "X-Spam-Score", "Value": "-0.1"},
            {"Name": "MIME-Version", "Value": "1.0"},
            {"Name": "Message-ID", "Value": str(message["Message-ID"])},
        ],
        "Attachments": [],
    }
    if raw:
        payload["RawEmail"] = message.as_string(policy=SMTP)
    return payload


def sendgrid_raw(address: str, message: EmailMessage) -> dict:
    """SendGrid Inbound Parse with « POST the raw, full MIME message » (multipart form)."""
    sender = message["From"].addresses[0].addr_spec
    return {
        "email": message.as_string(policy=SMTP),
        "envelope": json.dumps({"to": [address], "from": sender}),
        "charsets": json.dumps({"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8"}),
        "SPF": "pass",
        "spam_score": "0.1",
        "sender_ip": "192.0.2.10",
        "dkim": "{@mairie.example.fr : pass}",
        "to": address,
        "from": str(message["From"]),
        "subject": str(message["Subject"]),
    }


def sendgrid_parsed(address: str, message: EmailMessage) -> dict:
    """SendGrid Inbound Parse's default form: the headers and the parts as fields."""
    sender = message["From"].addresses[0].addr_spec
    headers = "".join(
        f"{name}: {value}\n" for name, value in message.items() if name != "Content-Type"
    )
    return {
        "headers": headers,
        "text": message.get_content(),
        "envelope": json.dumps({"to": [address], "from": sender}),
        "charsets": json.dumps({"to": "UTF-8", "text": "utf-8", "subject": "UTF-8"}),
        "to": address,
        "from": str(message["From"]),
        "subject": str(message["Subject"]),
        "attachments": "0",
    }


def brevo(address: str, message: EmailMessage) -> dict:
    """Brevo's inbound parsing webhook: `items`, each message parsed, no raw MIME."""
    sender = message["From"].addresses[0].addr_spec
    return {
        "items": [
            {
                "Uuid": ["b1c2d3e4-0000-4000-8000-000000000001"],
                "MessageId": str(message["Message-ID"]),
                "InReplyTo": None,
                "From": {"Name": "Jeanne Exemple", "Address": sender},
                "To": [{"Name": None, "Address": address}],
                "Cc": None,
                "ReplyTo": None,
                "SentAtDate": str(message["Date"]),
                "Subject": str(message["Subject"]),
                "Attachments": [],
                "Headers": {
                    "Received": ["by relais.example.fr; Mon, 30 Nov 2026 10:02:12 +0100"],
                    "MIME-Version": "1.0",
                    "From": str(message["From"]),
                    "Date": str(message["Date"]),
                    "Message-ID": str(message["Message-ID"]),
                    "Subject": str(message["Subject"]),
                    "To": address,
                    "Delivered-To": address,
                    "Content-Type": "text/plain; charset=utf-8",
                },
                "SpamScore": 0.4,
                "ExtractedMarkdownMessage": TEXT,
                "ExtractedMarkdownSignature": None,
                "RawHtmlBody": None,
                "RawTextBody": message.get_content(),
            }
        ]
    }


def post(client, provider: str, address: str, message: EmailMessage, **headers):
    url = f"/courriels/entrants/{provider}/"
    if provider == "postmark":
        return client.post(
            url, json.dumps(postmark(address, message)), "application/json", **headers
        )
    if provider == "postmark-parsed":
        return client.post(
            "/courriels/entrants/postmark/",
            json.dumps(postmark(address, message, raw=False)),
            "application/json",
            **headers,
        )
    if provider == "sendgrid":
        return client.post(url, sendgrid_raw(address, message), **headers)
    if provider == "sendgrid-parsed":
        return client.post(
            "/courriels/entrants/sendgrid/", sendgrid_parsed(address, message), **headers
        )
    return client.post(url, json.dumps(brevo(address, message)), "application/json", **headers)


FORMATS = ["postmark", "postmark-parsed", "sendgrid", "sendgrid-parsed", "brevo"]


@pytest.mark.parametrize("provider", FORMATS)
def test_an_authenticated_call_posts_the_reply_once(
    client, reply, committed, provider, django_capture_on_commit_callbacks
):
    member, address, message = reply
    with committed():
        response = post(client, provider, address, message, **auth())
    assert response.status_code == 200
    mail = InboundMail.objects.get()
    assert mail.status == InboundStatus.POSTED
    assert mail.message_id == str(message["Message-ID"])
    assert mail.envelope_to == address or provider == "postmark-parsed"
    assert Answer.objects.get(author=member).body == TEXT
    assert QUOTE[:20] in mail.quoted_text
    # The provider retries (a timeout on its side): stored and posted once.
    with committed():
        assert post(client, provider, address, message, **auth()).status_code == 200
    assert InboundMail.objects.count() == 1
    assert Answer.objects.filter(author=member).count() == 1


@pytest.mark.parametrize("provider", ["postmark", "sendgrid", "brevo"])
@pytest.mark.parametrize(
    "credentials",
    [None, "entraide:mauvais-mot-de-passe", "autre:phrase-secrete-du-webhook", ""],
)
def test_a_call_without_the_right_basic_auth_is_refused_and_stores_nothing(
    client, reply, provider, credentials
):
    _member, address, message = reply
    headers = {} if credentials is None else auth(credentials)
    response = post(client, provider, address, message, **headers)
    assert response.status_code == 400
    assert not InboundMail.objects.exists()
    assert not Answer.objects.exists()


@pytest.mark.parametrize("provider", ["postmark", "sendgrid", "brevo"])
def test_a_provider_not_turned_on_or_without_secret_does_not_exist(
    client, reply, settings, provider
):
    _member, address, message = reply
    settings.INBOUND_WEBHOOK_PROVIDERS = [name for name in FORMATS if name != provider]
    assert post(client, provider, address, message, **auth()).status_code == 404
    settings.INBOUND_WEBHOOK_PROVIDERS = [provider]
    settings.INBOUND_WEBHOOK_SECRET = ""
    assert post(client, provider, address, message, **auth()).status_code == 404
    assert not InboundMail.objects.exists()


def test_unknown_providers_and_gets_are_refused(client, reply):
    _member, address, message = reply
    settings_providers = "mailjet"
    response = client.post(f"/courriels/entrants/{settings_providers}/", {}, **auth())
    assert response.status_code == 404
    assert client.get("/courriels/entrants/postmark/", **auth()).status_code == 405


def test_brevo_without_message_id_is_keyed_by_its_event_id(client, reply, committed):
    """A rebuilt message without Message-ID gets the provider's event id: a retry is one row."""
    member, address, message = reply
    payload = brevo(address, message)
    del payload["items"][0]["Headers"]["Message-ID"]
    for _attempt in range(2):
        with committed():
            response = client.post(
                "/courriels/entrants/brevo/", json.dumps(payload), "application/json", **auth()
            )
        assert response.status_code == 200
    mail = InboundMail.objects.get()
    assert mail.message_id == "<b1c2d3e4-0000-4000-8000-000000000001@brevo.entrants>"
    assert Answer.objects.get(author=member).body == TEXT


def test_mailgun_keeps_its_signature_and_needs_no_basic_auth(client, reply, settings):
    """The basic-auth secret of the other providers is not asked of Mailgun's signed calls."""
    from tests.notifications.test_inbound_webhook import KEY, mailgun_fields, signed

    _member, address, message = reply
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": KEY}
    fields = signed(mailgun_fields(address, message.as_bytes(policy=SMTP)))
    assert client.post("/courriels/entrants/mailgun/mime", fields).status_code == 200
    assert InboundMail.objects.count() == 1

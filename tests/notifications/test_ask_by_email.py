"""Asking a question by e-mail (`q+` addresses), and the reply keys renewed on account changes."""

import io
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.urls import reverse
from PIL import Image

from qa.models import Attachment, Question
from website.notifications import intake, replies
from website.notifications.models import InboundMail, InboundStatus, ReplyKey

DOMAIN = "reponses.example.org"
BODY = """Bonjour,

Notre commune doit remplacer la chaudière de l'école avant l'hiver. Quelles aides au
chauffage des bâtiments publics existent, et qui a déjà monté un dossier ?

Cordialement,
Jeanne Exemple
Secrétaire de mairie
"""


@pytest.fixture(autouse=True)
def _reply_domain(settings):
    settings.REPLY_DOMAIN = DOMAIN
    settings.SITE_URL = "https://entraide.example.org"


def ask_mail(*, to, sender, subject="TR : Aides pour le chauffage de l'école", body=BODY, files=()):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.fr")
    message.set_content(body)
    for name, content, (main, sub) in files:
        message.add_attachment(content, maintype=main, subtype=sub, filename=name)
    return bytes(message)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def receive(committed):
    def _receive(raw, *, to):
        with committed():
            mail, _created = intake.mail_receive(raw=raw, envelope_to=to)
        mail.refresh_from_db()
        return mail

    return _receive


@pytest.fixture
def chauffage(make_topic):
    return make_topic(name="Chauffage")


def test_the_ask_address_is_personal_signed_and_revocable(member, make_user):
    address = replies.ask_address(member)
    assert address.startswith("q+") and address.endswith("@" + DOMAIN)
    assert len(address.split("@")[0]) <= 64
    token = replies.ask_token_of(address)
    assert replies.read_ask_token(token) == member.pk
    user_part, mac = token.split("-")
    other = replies._b36(make_user().pk)
    last_changed = token[:-1] + ("b" if token.endswith("a") else "a")  # never the token itself
    for forged in (f"{other}-{mac}", last_changed, "nimportequoi", ""):
        with pytest.raises(replies.InvalidReplyAddress):
            replies.read_ask_token(forged)
    ReplyKey.objects.filter(user=member).update(secret="renouvelé")
    with pytest.raises(replies.InvalidReplyAddress):
        replies.read_ask_token(token)


def test_a_mail_to_the_ask_address_waits_for_confirmation_with_an_acknowledgement(
    member, receive, chauffage, mailoutbox
):
    mail = receive(ask_mail(to=replies.ask_address(member), sender=member.email), to="")
    assert mail.status == InboundStatus.AWAITING
    assert mail.user == member
    assert "chaudière de l'école" in mail.text and "Cordialement" not in mail.text
    assert not Question.objects.exists()
    [ack] = [m for m in mailoutbox if m.to == [member.email]]
    assert "Confirmez votre question : Aides pour le chauffage de l'école" in ack.subject
    confirm = "https://entraide.example.org" + reverse(
        "notifications:ask_confirm", kwargs={"pk": mail.pk}
    )
    assert confirm in ack.body
    assert "Sujets proposés : Chauffage" in ack.body
    assert ack.reply_to == []


def test_similar_threads_come_first_in_the_acknowledgement(
    member, make_user, receive, chauffage, mailoutbox, ask, monkeypatch
):
    existing = ask(make_user(), title="Aides pour le chauffage des écoles", topics=[chauffage])
    monkeypatch.setattr(
        "website.notifications.asking.similar_questions_for", lambda *a, **k: [existing]
    )
    receive(ask_mail(to=replies.ask_address(member), sender=member.email), to="")
    [ack] = [m for m in mailoutbox if m.to == [member.email]]
    assert ack.body.index(existing.title) < ack.body.index("Confirmer et publier")


def test_confirming_publishes_with_edited_topics_and_attachments(
    client, member, receive, chauffage, make_topic, mailoutbox, rendered_context
):
    other = make_topic(name="Écoles")
    raw = ask_mail(
        to=replies.ask_address(member),
        sender=member.email,
        files=[
            ("plan.png", png(), ("image", "png")),
            ("virus.exe", b"MZ\x90\x00" * 50, ("application", "octet-stream")),
        ],
    )
    mail = receive(raw, to=replies.ask_address(member))
    client.force_login(member)
    url = reverse("notifications:ask_confirm", kwargs={"pk": mail.pk})
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Aides pour le chauffage de l&#x27;école" in html
    assert "plan.png" in html and "virus.exe" in html and "refusée" in html
    assert page.context["form"].initial["topics"] == [chauffage]
    response = client.post(
        url,
        {
            "decision": "publish",
            "kind": "question",
            "title": "Aides pour le chauffage de l'école",
            "body": mail.text,
            "topics": [chauffage.pk, other.pk],
        },
    )
    question = Question.objects.get()
    assert response.status_code == 302 and response["Location"] == question.get_absolute_url()
    assert set(question.topics.all()) == {chauffage, other}
    assert question.author == member
    assert [a.original_name for a in Attachment.objects.filter(question=question)] == ["plan.png"]
    mail.refresh_from_db()
    assert mail.status == InboundStatus.POSTED and mail.posted_question == question
    again = client.post(url, {"decision": "publish", "title": "x" * 20})
    assert again.status_code == 404
    assert Question.objects.count() == 1


def test_a_bad_edit_keeps_what_was_typed(client, member, receive, chauffage):
    mail = receive(ask_mail(to=replies.ask_address(member), sender=member.email), to="")
    client.force_login(member)
    url = reverse("notifications:ask_confirm", kwargs={"pk": mail.pk})
    response = client.post(
        url,
        {
            "decision": "publish",
            "kind": "question",
            "title": "Court",
            "body": "Mon texte à garder ici.",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Le titre doit faire au moins 10 caractères." in html
    assert "Mon texte à garder ici." in html
    assert "Choisissez au moins un sujet." in html
    assert not Question.objects.exists()


def test_only_its_author_sees_the_confirmation_page(client, member, make_user, receive, chauffage):
    mail = receive(ask_mail(to=replies.ask_address(member), sender=member.email), to="")
    url = reverse("notifications:ask_confirm", kwargs={"pk": mail.pk})
    client.force_login(make_user())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_discarding_keeps_the_mail_and_publishes_nothing(client, member, receive, chauffage):
    mail = receive(ask_mail(to=replies.ask_address(member), sender=member.email), to="")
    client.force_login(member)
    url = reverse("notifications:ask_confirm", kwargs={"pk": mail.pk})
    assert client.post(url, {"decision": "discard"}).status_code == 302
    mail.refresh_from_db()
    assert mail.status == InboundStatus.DISCARDED and mail.raw
    assert not Question.objects.exists()


def test_confirmation_skipped_by_preference_publishes_at_once(
    client, member, receive, chauffage, mailoutbox
):
    client.force_login(member)
    client.post(reverse("notifications:ask_preference"), {"ask_without_confirmation": "on"})
    assert ReplyKey.objects.get(user=member).ask_without_confirmation
    mail = receive(ask_mail(to=replies.ask_address(member), sender=member.email), to="")
    question = Question.objects.get()
    assert mail.status == InboundStatus.POSTED
    assert question.title == "Aides pour le chauffage de l'école"
    assert list(question.topics.all()) == [chauffage]
    [ack] = [m for m in mailoutbox if m.to == [member.email] and "publiée" in m.subject]
    assert question.get_absolute_url() in ack.body


def test_skipping_confirmation_still_waits_when_no_topic_fits(client, member, receive, mailoutbox):
    ReplyKey.objects.create(user=member, ask_without_confirmation=True)
    mail = receive(ask_mail(to=replies.ask_address(member), sender=member.email), to="")
    assert mail.status == InboundStatus.AWAITING
    assert not Question.objects.exists()


def test_the_preferences_page_shows_the_address_and_waiting_questions(
    client, member, receive, chauffage
):
    mail = receive(ask_mail(to=replies.ask_address(member), sender=member.email), to="")
    client.force_login(member)
    html = client.get(reverse("notifications:preferences")).content.decode()
    assert replies.ask_address(member) in html
    assert reverse("notifications:ask_confirm", kwargs={"pk": mail.pk}) in html


def test_a_mail_from_another_address_is_accepted_and_flagged(member, receive, chauffage):
    mail = receive(ask_mail(to=replies.ask_address(member), sender="mairie@exemple.fr"), to="")
    assert mail.status == InboundStatus.AWAITING and mail.from_mismatch


def test_a_forged_ask_address_is_refused_without_reply(member, receive, mailoutbox):
    forged = "q+" + replies._b36(member.pk) + "-aaaaaaaaaaaaaaaaaaaa@" + DOMAIN
    mail = receive(ask_mail(to=forged, sender="pirate@exemple.fr"), to=forged)
    assert mail.status == InboundStatus.REFUSED and mail.reason == "invalid_address"
    assert mailoutbox == []


def test_an_empty_question_gets_a_french_explanation(member, receive, mailoutbox):
    mail = receive(
        ask_mail(to=replies.ask_address(member), sender=member.email, body="\n\n"), to=""
    )
    assert mail.status == InboundStatus.REFUSED and mail.reason == "empty_question"
    [reply] = mailoutbox
    assert "Votre message ne contient aucun texte" in reply.body


def test_a_pending_account_cannot_ask_by_email(make_user, receive, mailoutbox):
    pending = make_user(approved_at=None)
    mail = receive(ask_mail(to=replies.ask_address(pending), sender=pending.email), to="")
    assert mail.status == InboundStatus.REFUSED and mail.reason == "pending"


def test_the_listener_accepts_a_genuine_ask_address_only(member, monkeypatch):
    from website.notifications.listener import _is_genuine

    # The listener calls it on threads of its own; here the test's connection (and its
    # transaction) must stay open.
    monkeypatch.setattr("website.notifications.listener.close_old_connections", lambda: None)

    assert _is_genuine(replies.ask_address(member))
    assert not _is_genuine("q+" + replies._b36(member.pk) + "-aaaaaaaaaaaaaaaaaaaa@" + DOMAIN)


# --- Reply keys renewed on account changes --------------------------------------------------


def test_a_password_change_revokes_every_reply_and_ask_address(client, member):
    member.set_password("ancien-mot-de-passe-2026")
    member.save()
    address = replies.ask_address(member)
    client.force_login(member)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "ancien-mot-de-passe-2026",
            "password1": "nouveau-mot-de-passe-2026!",
            "password2": "nouveau-mot-de-passe-2026!",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with pytest.raises(replies.InvalidReplyAddress):
        replies.read_ask_token(replies.ask_token_of(address))
    assert replies.ask_address(member) != address
    assert InboundMail.objects.count() == 0

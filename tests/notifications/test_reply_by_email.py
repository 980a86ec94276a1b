"""Reply by e-mail: the reply address in notifications, and the intake of the replies."""

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from qa import services as qa_services
from qa.models import Answer, Comment
from website.notifications import intake, replies
from website.notifications.models import InboundMail, InboundStatus, Notification, ReplyKey

DOMAIN = "reponses.example.org"


@pytest.fixture(autouse=True)
def _reply_domain(settings):
    settings.REPLY_DOMAIN = DOMAIN
    settings.SITE_URL = "https://entraide.example.org"


def address_for(user, question, **target):
    return replies.reply_address(
        user=user, target=replies.ReplyTarget(user_id=user.pk, question_id=question.pk, **target)
    )


def make_mail(*, to, sender, body, subject="Re: [Entraide] Déneigement", headers=None):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.fr")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return bytes(message)


REPLY = """Bonjour,

Nous passons par la convention du Département, c'est simple.

Cordialement,
Jeanne Exemple

Le mar. 1 déc. 2026 à 10:12, Entraide <ne-pas-repondre@entraide.example.org> a écrit :
> Répondez directement à ce message pour répondre sur Entraide.
> ------- ✂ Écrivez votre réponse au-dessus de cette ligne ✂ -------
> Anne Voisin a répondu à votre question
"""


@pytest.fixture
def receive(committed):
    """`receive(raw, to=...)`: store and process like the listener, signals included."""

    def _receive(raw, *, to=""):
        with committed():
            mail, _created = intake.mail_receive(raw=raw, envelope_to=to)
        mail.refresh_from_db()
        return mail

    return _receive


# --- The address in the e-mails --------------------------------------------------------------


def test_an_answer_notification_carries_a_reply_address_above_a_cut_line(
    ask, answer, make_user, mailoutbox
):
    asker, answerer = make_user(), make_user()
    question = ask(asker)
    mailoutbox.clear()
    answer(answerer, question)
    [message] = [m for m in mailoutbox if m.to == [asker.email]]
    [reply_to] = message.reply_to
    assert reply_to.startswith("r+") and reply_to.endswith("@" + DOMAIN)
    assert len(reply_to.split("@")[0]) <= 64
    assert replies.read_token(replies.token_of(reply_to)) == replies.ReplyTarget(
        user_id=asker.pk, question_id=question.pk
    )
    assert message.extra_headers["List-Unsubscribe"].startswith("<https://")
    text = message.body
    assert (
        text.index("Répondez directement à ce message")
        < text.index("✂")
        < text.index(question.title)
    )
    assert "Répondez directement à ce message" in message.alternatives[0][0]


def test_without_reply_domain_there_is_no_reply_address(
    settings, ask, answer, make_user, mailoutbox
):
    settings.REPLY_DOMAIN = ""
    asker = make_user()
    question = ask(asker)
    answer(make_user(), question)
    [message] = [m for m in mailoutbox if m.to == [asker.email]]
    assert message.reply_to == []
    assert "Répondez directement" not in message.body


def test_a_comment_notification_replies_with_a_comment_on_the_same_post(
    ask, answer, make_user, committed
):
    asker, answerer, commenter = make_user(), make_user(), make_user()
    question = ask(asker)
    posted = answer(answerer, question)
    with committed():
        comment = qa_services.comment_create(post=posted, author=commenter, body="Et la TVA ?")
    notification = Notification.objects.get(recipient=answerer, kind="comment")
    assert notification.target == comment
    assert replies.target_for(notification) == replies.ReplyTarget(
        user_id=answerer.pk, question_id=question.pk, comment_on_answer_id=posted.pk
    )


# --- The token ---------------------------------------------------------------------------------


def test_a_tampered_or_foreign_token_is_refused(member, make_user, ask):
    question = ask(member)
    token = replies.token_of(address_for(member, question))
    user_part, question_part, code, day, mac = token.split("-")
    other_thread = "-".join([user_part, question_part + "1", code, day, mac])
    other_user = "-".join([replies._b36(make_user().pk), question_part, code, day, mac])
    last_changed = token[:-1] + ("b" if token.endswith("a") else "a")  # never the token itself
    for forged in (other_thread, other_user, last_changed, "n-importe-quoi", ""):
        with pytest.raises(replies.InvalidReplyAddress):
            replies.read_token(forged)


def test_a_token_expires_after_the_configured_days(settings, member, ask):
    settings.REPLY_ADDRESS_MAX_AGE_DAYS = 90
    question = ask(member)
    token = replies.token_of(address_for(member, question))
    later = datetime.now(UTC) + timedelta(days=91)
    with pytest.raises(replies.ExpiredReplyAddress):
        replies.read_token(token, now=later)
    assert replies.read_token(token, now=datetime.now(UTC) + timedelta(days=89))


def test_revoking_from_the_account_page_kills_every_address(client, member, ask):
    question = ask(member)
    token = replies.token_of(address_for(member, question))
    client.force_login(member)
    page = client.get(reverse("notifications:preferences"))
    assert "Révoquer mes adresses de réponse" in page.content.decode()
    response = client.post(reverse("notifications:reply_revoke"))
    assert response.status_code == 302
    with pytest.raises(replies.InvalidReplyAddress):
        replies.read_token(token)
    assert replies.read_token(replies.token_of(address_for(member, question)))
    assert ReplyKey.objects.filter(user=member).count() == 1


def test_the_reply_address_command_prints_the_address(member, ask, capsys):
    question = ask(member)
    call_command("reply_address", member.email, str(question.pk))
    printed = capsys.readouterr().out.strip()
    assert replies.read_token(replies.token_of(printed)).question_id == question.pk
    with pytest.raises(CommandError):
        call_command("reply_address", "personne@example.org", str(question.pk))


# --- The intake --------------------------------------------------------------------------------


def test_a_reply_becomes_an_answer_without_the_quoted_text(
    make_user, ask, committed, mailoutbox, tmp_path
):
    asker, member = make_user(), make_user()
    question = ask(asker)
    mailoutbox.clear()
    raw = make_mail(to=address_for(member, question), sender=member.email, body=REPLY)
    path = tmp_path / "reponse.eml"
    path.write_bytes(raw)
    with committed():
        call_command("mail_intake", "--file", str(path))
    mail = InboundMail.objects.get()
    assert mail.status == InboundStatus.POSTED and not mail.from_mismatch
    posted = Answer.objects.get(author=member)
    assert posted.body == (
        "Bonjour,\n\nNous passons par la convention du Département, c'est simple."
    )
    assert "a écrit" in mail.quoted_text and "Cordialement" in mail.quoted_text
    assert mail.posted_url == posted.get_absolute_url()
    assert bytes(mail.raw) == raw
    # The normal notifications follow (the asker hears of the answer).
    assert Notification.objects.filter(recipient=asker, kind="answer").exists()


def test_the_same_message_twice_is_posted_once(member, make_user, ask, receive):
    question = ask(make_user())
    raw = make_mail(to=address_for(member, question), sender=member.email, body="Oui.")
    receive(raw)
    receive(raw)
    assert Answer.objects.filter(author=member).count() == 1
    assert InboundMail.objects.count() == 1


def test_a_reply_to_a_comment_address_posts_a_comment(member, make_user, ask, receive):
    question = ask(make_user())
    posted = qa_services.answer_create(question=question, author=make_user(), body="Voici.")
    address = address_for(member, question, comment_on_answer_id=posted.pk)
    mail = receive(make_mail(to=address, sender=member.email, body="Merci, et la TVA ?"))
    assert mail.status == InboundStatus.POSTED
    assert Comment.objects.get(author=member).answer == posted


def test_another_from_is_posted_but_flagged_for_moderators(
    member, moderator, make_user, ask, receive, client
):
    question = ask(make_user())
    raw = make_mail(
        to=address_for(member, question), sender="mairie@commune.example.fr", body="Oui."
    )
    mail = receive(raw)
    assert mail.status == InboundStatus.POSTED and mail.from_mismatch
    client.force_login(moderator)
    page = client.get(reverse("notifications:inbound_queue")).content.decode()
    assert "mairie@commune.example.fr" in page


@pytest.mark.parametrize(
    ("headers", "subject", "kind"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: x", "auto_reply"),
        ({"X-Autoreply": "yes"}, "Re: x", "auto_reply"),
        ({"Precedence": "bulk"}, "Re: x", "auto_reply"),
        ({}, "Réponse automatique : absente jusqu'au 4 janvier", "auto_reply"),
        ({}, "Delivery Status Notification (Failure)", ""),
    ],
)
def test_automatic_replies_are_ignored_and_never_answered(
    member, make_user, ask, receive, mailoutbox, headers, subject, kind
):
    question = ask(make_user())
    mailoutbox.clear()
    sender = member.email if kind else "MAILER-DAEMON@mx.example.fr"
    raw = make_mail(
        to=address_for(member, question),
        sender=sender,
        subject=subject,
        body="Je suis absente.",
        headers=headers,
    )
    mail = receive(raw)
    assert mail.status == InboundStatus.IGNORED
    assert mail.reason == (kind or "bounce")
    assert not Answer.objects.filter(author=member).exists()
    assert mailoutbox == []


def test_an_expired_address_gets_one_french_reply_per_hour(
    settings, member, make_user, ask, receive, mailoutbox
):
    question = ask(make_user())
    past = datetime.now(UTC) - timedelta(days=settings.REPLY_ADDRESS_MAX_AGE_DAYS + 2)
    address = replies.reply_address(
        user=member,
        target=replies.ReplyTarget(user_id=member.pk, question_id=question.pk),
        now=past,
    )
    mailoutbox.clear()
    first = receive(make_mail(to=address, sender=member.email, body="Oui."))
    second = receive(make_mail(to=address, sender=member.email, body="Oui, encore."))
    assert (first.status, first.reason) == (InboundStatus.REFUSED, "expired")
    assert second.status == InboundStatus.REFUSED
    [refusal] = mailoutbox
    assert refusal.to == [member.email]
    assert "a expiré" in refusal.body
    assert refusal.extra_headers["Auto-Submitted"] == "auto-replied"


def test_a_forged_address_is_kept_but_no_one_is_written_to(
    member, make_user, ask, receive, mailoutbox
):
    question = ask(make_user())
    address = address_for(member, question)
    forged = address.replace("@", "x@")
    mailoutbox.clear()
    mail = receive(make_mail(to=forged, sender="escroc@example.org", body="Achetez !"))
    assert (mail.status, mail.reason) == (InboundStatus.REFUSED, "invalid_address")
    assert mailoutbox == []
    assert not Answer.objects.filter(author=member).exists()


def test_refusals_pending_account_locked_thread_and_empty_text(
    make_user, ask, moderator, receive, mailoutbox
):
    question = ask(make_user())
    pending = make_user(approved_at=None)
    mail = receive(make_mail(to=address_for(pending, question), sender=pending.email, body="A"))
    assert mail.reason == "pending"
    member = make_user()
    only_quote = "Le lun. 30 nov. 2026 à 09:00, Entraide a écrit :\n> ancien texte\n"
    mail = receive(
        make_mail(to=address_for(member, question), sender=member.email, body=only_quote)
    )
    assert mail.reason == "empty"
    qa_services.question_lock(question=question, by=moderator, reason="Hors sujet")
    other = make_user()
    mail = receive(make_mail(to=address_for(other, question), sender=other.email, body="B"))
    assert mail.reason == "thread_locked"
    assert not Answer.objects.exists()
    assert len(mailoutbox) >= 3
    assert all("n'a pas été publié" in message.body for message in mailoutbox[-3:])


def test_the_posting_budget_of_new_members_applies(settings, member, make_user, ask, receive):
    settings.QA_NEW_MEMBER_POSTS_PER_HOUR = 0
    question = ask(make_user())
    mail = receive(make_mail(to=address_for(member, question), sender=member.email, body="Oui"))
    assert (mail.status, mail.reason) == (InboundStatus.REFUSED, "rate_limited")


def test_an_oversized_message_is_kept_cut_and_refused(settings, member, make_user, ask, receive):
    settings.INBOUND_MAIL_MAX_BYTES = 2000
    question = ask(make_user())
    raw = make_mail(to=address_for(member, question), sender=member.email, body="x " * 5000)
    mail = receive(raw)
    assert (mail.status, mail.reason) == (InboundStatus.REFUSED, "too_large")
    assert len(mail.raw) == 2000


def test_a_burst_from_one_sender_is_kept_but_not_published(
    settings, member, make_user, ask, receive, mailoutbox
):
    settings.INBOUND_MAIL_MAX_PER_HOUR = 2
    question = ask(make_user())
    address = address_for(member, question)
    mailoutbox.clear()
    mails = [
        receive(make_mail(to=address, sender=member.email, body=f"Message {number}"))
        for number in range(4)
    ]
    assert [mail.status for mail in mails] == [InboundStatus.POSTED] * 2 + [
        InboundStatus.REFUSED
    ] * 2
    assert {mail.reason for mail in mails[2:]} == {"flood"}
    assert Answer.objects.filter(author=member).count() == 2
    assert InboundMail.objects.count() == 4
    assert [m for m in mailoutbox if m.to == [member.email]] == []


# --- The moderators' queue ---------------------------------------------------------------------


def test_moderators_retry_or_discard_unprocessed_mail(
    client, member, make_user, moderator, ask, receive
):
    question = ask(make_user())
    pending = make_user(approved_at=None)
    mail = receive(make_mail(to=address_for(pending, question), sender=pending.email, body="Oui"))
    client.force_login(member)
    assert client.get(reverse("notifications:inbound_queue")).status_code == 403
    decide = reverse("notifications:inbound_decide", args=[mail.pk])
    assert client.post(decide, {"decision": "discard"}).status_code == 403
    client.force_login(moderator)
    page = client.get(reverse("notifications:inbound_queue")).content.decode()
    assert "Courriels non traités" in page and "attend encore sa validation" in page
    pending.approved_at = datetime.now(UTC)
    pending.save()
    assert client.post(decide, {"decision": "retry"}).status_code == 302
    mail.refresh_from_db()
    assert mail.status == InboundStatus.POSTED
    assert Answer.objects.filter(author=pending).exists()
    stale = receive(make_mail(to=address_for(member, question), sender=member.email, body=""))
    client.post(reverse("notifications:inbound_decide", args=[stale.pk]), {"decision": "x"})
    stale.refresh_from_db()
    assert stale.status == InboundStatus.DISCARDED


def test_a_huge_body_built_to_be_slow_is_cut_before_cleaning(member, make_user, ask, receive):
    """Empty paragraphs and « … a écrit : » headers by the hundred thousand: the cleaning
    used to be quadratic in them (hours of worker time for a few MB). The body read is
    capped; the member's text at the top is posted."""
    from website.notifications import mailtext

    html = "<p>Voici notre convention.</p>" + "<p>x</p>" * 250_000
    text = mailtext.html_to_text(mailtext._cut(html, mailtext.HTML_MAX_CHARS))
    assert text.startswith("Voici notre convention.")
    headers = "Voici notre convention.\n" + "Le 1 mai, X a écrit :\n> y\n" * 200_000
    split = mailtext.split_reply(mailtext._cut(headers, mailtext.TEXT_MAX_CHARS))
    assert split.text == "Voici notre convention."


def test_a_token_with_non_ascii_digits_is_refused_not_failed():
    with pytest.raises(replies.InvalidReplyAddress):
        replies.read_token("é-1-abc-1-abcdef")


def test_a_database_hiccup_leaves_the_mail_for_the_pending_run_not_the_failed_queue(
    member, make_user, ask, receive, monkeypatch
):
    """A locked or lost database is not the message's fault: the row stays RECEIVED and the
    `mail_intake --pending` cron posts it, instead of the moderators' « non traités » queue."""
    from django.db import OperationalError

    from website.notifications import inbound

    question = ask(make_user())
    raw = make_mail(to=address_for(member, question), sender=member.email, body="Plus tard.")
    process = inbound.process

    def locked(mail):
        raise OperationalError("database table is locked")

    monkeypatch.setattr(inbound, "process", locked)
    mail = receive(raw)
    assert mail.status == InboundStatus.RECEIVED
    assert not Answer.objects.filter(author=member).exists()

    monkeypatch.setattr(inbound, "process", process)
    call_command("mail_intake", "--pending")
    mail.refresh_from_db()
    assert mail.status == InboundStatus.POSTED
    assert Answer.objects.get(author=member).body == "Plus tard."

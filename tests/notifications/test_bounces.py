"""Bounces: real-looking delivery status notifications (tests/mail/corpus/bounces/) are
recognised, counted only against the member an e-mail of ours really went to, and repeated
ones pause the member's e-mails, told on the site with a way to resume."""

import re
from pathlib import Path

import pytest
from django.core import mail as django_mail

from website.notifications import bounces, emails, intake, mailtext
from website.notifications.kinds import Kind
from website.notifications.listener import _is_genuine
from website.notifications.models import (
    DeliveryStatus,
    EmailBounce,
    EmailDelivery,
    EmailPause,
    InboundMail,
    InboundStatus,
    Notification,
)

BOUNCES = Path(__file__).parents[1] / "mail" / "corpus" / "bounces"
ADDRESS = "destinataire@example.fr"
# sample → (status of the failure reported, counted against the member)
EXPECTED = {
    "01-postfix-user-unknown": ("5.1.1", True),
    "02-gmail-no-such-user": ("5.1.1", True),
    "03-postfix-orange-refused": ("5.1.1", True),
    "04-exchange-online-ndr": ("5.1.10", True),
    "05-free-mailbox-full": ("5.2.2", True),
    "06-postfix-delayed": ("4.4.1", False),  # a warning: the e-mail is still being retried
    "07-plain-text-bounce": (None, False),  # no delivery-status report: ignored, not counted
}
SAMPLES = sorted(BOUNCES.glob("*.eml"))
MESSAGE_ID = re.compile(rb"<176458035912\.4242\.\d+@entraide\.example\.org>")


def original_message_id(path: Path) -> str:
    return MESSAGE_ID.search(path.read_bytes()).group().decode()


def delivery(user, message_id: str, n: int = 0) -> EmailDelivery:
    return EmailDelivery.objects.create(
        idempotency_key=f"test:{message_id}:{n}",
        recipient=user,
        kind="immediate",
        subject="[Entraide] Anne Voisin a répondu",
        body_text="Anne Voisin a répondu.",
        body_html="<p>Anne Voisin a répondu.</p>",
        unsubscribe_url="https://entraide.example.org/notifications/desabonnement/x/",
        message_id=message_id,
        status=DeliveryStatus.SENT,
    )


def receive(raw: bytes) -> InboundMail:
    mail, _created = intake.mail_receive(raw=raw, envelope_to="rebonds@reponses.example.org")
    intake.mail_process(mail_id=mail.pk)
    mail.refresh_from_db()
    return mail


def test_every_sample_has_its_expectation():
    assert sorted(path.stem for path in SAMPLES) == sorted(EXPECTED)


@pytest.mark.parametrize("path", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_each_bounce_is_recognised_and_counted_as_expected(path, make_user):
    status, counted = EXPECTED[path.stem]
    member = make_user(email=ADDRESS)
    delivery(member, original_message_id(path))
    report = bounces.read_report(mailtext.parse(path.read_bytes()))
    if status is None:
        assert report is None
    else:
        assert [(r.address, r.status) for r in report.recipients] == [(ADDRESS, status)]
        assert report.original_message_id == original_message_id(path)

    mail = receive(path.read_bytes())

    assert (mail.status, mail.reason) == (InboundStatus.IGNORED, "bounce")
    assert django_mail.outbox == []  # a bounce is never answered
    assert EmailBounce.objects.filter(user=member).count() == (1 if counted else 0)
    if counted:
        assert EmailBounce.objects.get().status == status


def test_a_bounce_about_an_email_we_never_sent_counts_for_nobody(make_user):
    """A forged DSN naming a member's address: its Message-ID is not in our outbox."""
    path = BOUNCES / "01-postfix-user-unknown.eml"
    member = make_user(email=ADDRESS)
    delivery(member, "<un-autre-message@entraide.example.org>")
    assert receive(path.read_bytes()).reason == "bounce"
    assert not EmailBounce.objects.exists()


def test_a_bounce_for_another_address_than_the_email_went_to_counts_for_nobody(make_user):
    path = BOUNCES / "01-postfix-user-unknown.eml"
    member = make_user(email="quelquun@example.org")
    delivery(member, original_message_id(path))
    receive(path.read_bytes())
    assert not EmailBounce.objects.exists()


def test_two_reports_about_one_email_count_once(make_user):
    path = BOUNCES / "01-postfix-user-unknown.eml"
    member = make_user(email=ADDRESS)
    delivery(member, original_message_id(path))
    receive(path.read_bytes())
    receive(path.read_bytes().replace(b"Message-Id: <2026", b"Message-Id: <bis-2026"))
    assert InboundMail.objects.count() == 2
    assert EmailBounce.objects.filter(user=member).count() == 1


def _bounce_three_times(member) -> None:
    template = (BOUNCES / "01-postfix-user-unknown.eml").read_bytes()
    for n in range(3):
        message_id = f"<bounce-{n}@entraide.example.org>"
        delivery(member, message_id, n)
        raw = MESSAGE_ID.sub(message_id.encode(), template).replace(
            b"Message-Id: <2026", f"Message-Id: <{n}-2026".encode()
        )
        receive(raw)


def test_repeated_bounces_pause_the_emails_and_tell_the_member_on_the_site(
    settings, make_user, client
):
    settings.NOTIFICATIONS_BOUNCES_BEFORE_PAUSE = 3
    member = make_user(email=ADDRESS)
    template = (BOUNCES / "01-postfix-user-unknown.eml").read_bytes()
    _bounce_three_times(member)

    pause = EmailPause.objects.get(user=member)
    assert pause.address == ADDRESS
    assert "User unknown" in pause.diagnostic
    notice = Notification.objects.get(recipient=member, kind=Kind.EMAILS_PAUSED)
    assert notice.link == "/compte/preferences/#courriels-suspendus"
    # A fourth bounce does not pause twice nor tell twice.
    delivery(member, "<bounce-3@entraide.example.org>", 3)
    receive(
        MESSAGE_ID.sub(b"<bounce-3@entraide.example.org>", template).replace(
            b"Message-Id: <2026", b"Message-Id: <3-2026"
        )
    )
    assert Notification.objects.filter(recipient=member, kind=Kind.EMAILS_PAUSED).count() == 1

    # The outbox sends them nothing while paused.
    waiting = delivery(member, "<pending@entraide.example.org>", 9)
    EmailDelivery.objects.filter(pk=waiting.pk).update(status=DeliveryStatus.PENDING)
    assert emails.deliver(waiting.pk).status == DeliveryStatus.CANCELLED
    assert django_mail.outbox == []

    client.force_login(member)
    centre = client.get("/notifications/").content.decode()
    assert "Nos e-mails vous reviennent en erreur" in centre
    page = client.get("/compte/preferences/").content.decode()
    assert "Vos e-mails sont suspendus" in page
    assert ADDRESS in page and "Reprendre l'envoi des e-mails" in page

    response = client.post("/compte/preferences/courriels/reprendre/")
    assert response.status_code == 302
    assert not EmailPause.objects.filter(user=member).exists()
    assert not EmailBounce.objects.filter(user=member, cleared_at__isnull=True).exists()
    assert "Vos e-mails sont suspendus" not in client.get("/compte/preferences/").content.decode()
    again = delivery(member, "<after@entraide.example.org>", 10)
    EmailDelivery.objects.filter(pk=again.pk).update(status=DeliveryStatus.PENDING)
    assert emails.deliver(again.pk).status == DeliveryStatus.SENT


def test_two_bounces_do_not_pause(settings, make_user):
    settings.NOTIFICATIONS_BOUNCES_BEFORE_PAUSE = 3
    member = make_user(email=ADDRESS)
    template = (BOUNCES / "05-free-mailbox-full.eml").read_bytes()
    for n in range(2):
        delivery(member, f"<full-{n}@entraide.example.org>", n)
        receive(
            MESSAGE_ID.sub(f"<full-{n}@entraide.example.org>".encode(), template).replace(
                b"Message-Id: <2026", f"Message-Id: <{n}-2026".encode()
            )
        )
    assert EmailBounce.objects.filter(user=member).count() == 2
    assert not EmailPause.objects.exists()


def test_resuming_without_a_pause_changes_nothing(client, member):
    client.force_login(member)
    response = client.post("/compte/preferences/courriels/reprendre/")
    assert response.status_code == 302
    assert "Vos e-mails sont suspendus" not in client.get("/compte/preferences/").content.decode()


def test_emails_go_out_from_the_bounce_address_when_set(settings, make_user):
    settings.NOTIFICATIONS_BOUNCE_ADDRESS = "rebonds@reponses.example.org"
    member = make_user()
    row = delivery(member, "<envelope@entraide.example.org>")
    EmailDelivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.PENDING)
    assert emails.deliver(row.pk).status == DeliveryStatus.SENT
    sent = django_mail.outbox[0]
    assert sent.from_email == "rebonds@reponses.example.org"  # the envelope sender
    assert sent.message()["From"] == settings.DEFAULT_FROM_EMAIL


def test_the_listener_accepts_the_bounce_address(settings):
    settings.REPLY_DOMAIN = "reponses.example.org"
    settings.NOTIFICATIONS_BOUNCE_ADDRESS = "Rebonds <rebonds@reponses.example.org>"
    assert _is_genuine("rebonds@reponses.example.org")
    assert not _is_genuine("autre@reponses.example.org")
    settings.NOTIFICATIONS_BOUNCE_ADDRESS = ""
    assert not _is_genuine("rebonds@reponses.example.org")

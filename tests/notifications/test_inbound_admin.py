"""The received e-mails (`InboundMail`) in the Django admin: read-only, for staff holding the
view permission; never the raw message, nor a usable reply address."""

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.contrib.auth.models import Permission

from website.notifications import intake, replies
from website.notifications.models import InboundMail, InboundStatus

DOMAIN = "reponses.example.org"
LIST = "/django-admin/notifications/inboundmail/"
SECRET_LINE = "Ligne du message brut que seul le serveur garde"


@pytest.fixture(autouse=True)
def _reply_domain(settings):
    settings.REPLY_DOMAIN = DOMAIN


@pytest.fixture
def mail(ask, make_user, committed):
    """A reply from a shared mailbox, published, with a quoted part and a raw-only header."""
    member = make_user(email="jeanne@mairie.example.fr")
    question = ask(make_user())
    address = replies.reply_address(
        user=member, target=replies.ReplyTarget(user_id=member.pk, question_id=question.pk)
    )
    message = EmailMessage()
    message["From"] = "secretariat@mairie.example.fr"
    message["To"] = address
    message["Subject"] = "Re: [Entraide] Déneigement des voies"
    message["Message-ID"] = make_msgid(domain="mairie.example.fr")
    message["X-Note-Interne"] = SECRET_LINE
    message.set_content(
        "Nous passons par la convention du Département.\n\n"
        "Le mar. 1 déc. 2026 à 10:12, Entraide a écrit :\n> Texte de la notification citée\n"
    )
    with committed():
        stored, _created = intake.mail_receive(raw=bytes(message), envelope_to=address)
    stored.refresh_from_db()
    assert stored.status == InboundStatus.POSTED and stored.from_mismatch
    return stored, address


def staff(make_user, *, view: bool):
    user = make_user(is_staff=True)
    if view:
        user.user_permissions.add(
            Permission.objects.get(
                codename="view_inboundmail", content_type__app_label="notifications"
            )
        )
    return user


def _pages(mail):
    return [LIST, f"{LIST}{mail.pk}/change/"]


@pytest.mark.parametrize("role", ["visitor", "member", "moderator", "pending"])
def test_non_staff_are_sent_to_the_login_page(client, make_user, mail, role):
    stored, _address = mail
    if role == "member":
        client.force_login(make_user())
    elif role == "moderator":
        client.force_login(make_user(roles=["Modérateurs"]))
    elif role == "pending":
        client.force_login(make_user(approved_at=None))
    for url in _pages(stored):
        response = client.get(url)
        assert response.status_code == 302, url
        # the admin's login page; a pending account is first held on its waiting page
        assert response["Location"].startswith(("/django-admin/login/", "/compte/en-attente/"))


def test_staff_without_the_view_permission_are_refused(client, make_user, mail):
    stored, _address = mail
    client.force_login(staff(make_user, view=False))
    for url in _pages(stored):
        assert client.get(url).status_code == 403, url
    assert "inboundmail" not in client.get("/django-admin/").content.decode()


@pytest.mark.parametrize("who", ["staff", "superuser"])
def test_the_list_and_the_detail_show_what_moderators_see(client, make_user, mail, who):
    stored, address = mail
    user = (
        staff(make_user, view=True)
        if who == "staff"
        else make_user(is_staff=True, is_superuser=True)
    )
    client.force_login(user)
    listing = client.get(LIST)
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Re: [Entraide] Déneigement des voies" in page
    assert "secretariat@mairie.example.fr" in page
    assert stored.posted_url in page
    filters = client.get(LIST, {"status__exact": "refused"}).content.decode()
    assert "Déneigement des voies" not in filters  # the status filter works
    assert (
        "Déneigement des voies" in client.get(LIST, {"from_mismatch__exact": "1"}).content.decode()
    )
    assert "Déneigement" in client.get(LIST, {"q": "secretariat@"}).content.decode()
    detail = client.get(f"{LIST}{stored.pk}/change/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "Nous passons par la convention du Département." in text
    assert "Texte de la notification citée" in text  # the quoted text, as moderators see it
    assert stored.message_id.strip("<>") in text
    # Never the raw message, nor the reply address with its signature.
    assert SECRET_LINE not in text and SECRET_LINE not in page
    mac = address.split("@")[0].rsplit("-", 1)[1]
    assert mac not in text and mac not in page
    assert replies.masked(address) in text
    assert 'name="_save"' not in text  # read-only


def test_nobody_adds_changes_or_deletes_a_received_mail(client, make_user, mail):
    stored, _address = mail
    client.force_login(make_user(is_staff=True, is_superuser=True))
    assert client.get(f"{LIST}add/").status_code == 403
    response = client.post(f"{LIST}{stored.pk}/change/", {"status": "discarded", "subject": "x"})
    assert response.status_code == 403
    assert client.post(f"{LIST}{stored.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post(
        LIST, {"action": "delete_selected", "_selected_action": [stored.pk], "post": "yes"}
    )
    assert InboundMail.objects.filter(pk=stored.pk, status=InboundStatus.POSTED).exists()
    refreshed = InboundMail.objects.get(pk=stored.pk)
    assert (refreshed.subject, bytes(refreshed.raw)) == (stored.subject, bytes(stored.raw))


def test_the_masked_address_hides_only_the_signature():
    assert replies.masked("r+1-2-x-k3-abcdefgh@reponses.example.org") == (
        "r+1-2-x-k3-…@reponses.example.org"
    )
    assert replies.masked("q+5-abcdef@reponses.example.org") == "q+5-…@reponses.example.org"
    assert replies.masked("rebonds@reponses.example.org") == "rebonds@reponses.example.org"
    assert replies.masked("") == ""

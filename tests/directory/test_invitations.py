"""Invitations: a moderator invites one address or imported people; the invited address signs
up without approval; the page shows invited / accepted / bounced / expired, with resend."""

import datetime
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from directory import services
from directory.models import Invitation, InvitationStatus, User
from website.notifications import intake

pytestmark = pytest.mark.django_db

SIGNUP = {
    "password1": "un-mot-de-passe-solide-2026",
    "password2": "un-mot-de-passe-solide-2026",
    "first_name": "Camille",
    "last_name": "Importée",
    "signup_structure": "Mairie de Barrême",
    "signup_function": "Secrétaire de mairie",
}
LINK = re.compile(r"https?://[^\s]+/annuaire/invitation/[^\s/]+/")


def _link(message) -> str:
    return urlsplit(LINK.search(message.body).group()).path


@pytest.fixture(autouse=True)
def _emails_leave_at_once(monkeypatch):
    """The e-mails leave after the commit; the test's transaction never commits, so the
    after-commit callbacks run at once here (each test checks `mail.outbox` mid-way)."""
    monkeypatch.setattr(
        "django.db.transaction.on_commit", lambda func, using=None, robust=False: func()
    )


@pytest.fixture
def imported(make_person):
    return [
        make_person(first_name="Camille", last_name="Importée", email="camille@mairie.example.org"),
        make_person(first_name="Dominique", last_name="Importé", email="dominique@cc.example.org"),
        make_person(first_name="Sans", last_name="Adresse", email=""),
    ]


# --- Permissions ---------------------------------------------------------------------------


def test_members_cannot_see_or_send_invitations(client, member):
    client.force_login(member)
    assert client.get("/annuaire/invitations/").status_code == 403
    response = client.post("/annuaire/invitations/", {"action": "single", "email": "x@example.org"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_members_cannot_resend_an_invitation(client, member, moderator):
    invitation = services.invitation_create(email="x@example.org", invited_by=moderator)
    mail.outbox.clear()
    client.force_login(member)
    assert client.post(f"/annuaire/invitations/{invitation.pk}/renvoyer/").status_code == 403
    assert mail.outbox == []


def test_visitors_are_sent_to_the_login_page(client):
    response = client.get("/annuaire/invitations/")
    assert response.status_code == 302
    assert response.url.startswith("/comptes/login/")


# --- Inviting ------------------------------------------------------------------------------


def test_a_moderator_invites_one_address_and_it_receives_a_link(client, moderator):
    client.force_login(moderator)
    response = client.post(
        "/annuaire/invitations/", {"action": "single", "email": "Nouvelle@Example.org"}, follow=True
    )
    assert "Invitation envoyée à Nouvelle@example.org." in response.content.decode()
    invitation = Invitation.objects.get()
    assert invitation.status == InvitationStatus.INVITED
    assert invitation.invited_by == moderator
    [message] = mail.outbox
    assert message.to == ["Nouvelle@example.org"]
    assert f"/annuaire/invitation/{invitation.token}/" in message.body


def test_a_moderator_invites_imported_people_in_one_go(client, moderator, imported):
    client.force_login(moderator)
    page = client.get("/annuaire/invitations/").content.decode()
    assert "Camille Importée — camille@mairie.example.org" in page
    assert "Sans Adresse" not in page  # no address, nothing to invite
    response = client.post(
        "/annuaire/invitations/",
        {"action": "imported", "people": [str(imported[0].pk), str(imported[1].pk)]},
        follow=True,
    )
    html = response.content.decode()
    assert "Invitations envoyées (2)" in html
    assert sorted(m.to[0] for m in mail.outbox) == [
        "camille@mairie.example.org",
        "dominique@cc.example.org",
    ]
    assert {i.person for i in Invitation.objects.all()} == {imported[0], imported[1]}
    # Invited people are no longer offered.
    assert "Camille Importée — camille" not in client.get("/annuaire/invitations/").content.decode()


def test_inviting_an_address_that_already_has_an_account_is_refused_clearly(
    client, moderator, make_user
):
    make_user(email="deja.membre@example.org")
    client.force_login(moderator)
    response = client.post(
        "/annuaire/invitations/", {"action": "single", "email": "DEJA.membre@example.org"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "a déjà un compte : pas besoin d&#x27;invitation." in html
    assert 'value="DEJA.membre@example.org"' in html  # what was typed is kept
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_invalid_address_is_refused_in_french(client, moderator):
    client.force_login(moderator)
    response = client.post("/annuaire/invitations/", {"action": "single", "email": "pas-une"})
    assert "Saisissez une adresse e-mail valide." in response.content.decode()


# --- Signing up with the link --------------------------------------------------------------


def test_the_invited_person_signs_up_without_approval_and_gets_their_entry(
    client, moderator, imported
):
    services.invitation_create(email=imported[0].email, invited_by=moderator, person=imported[0])
    link = _link(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200
    assert "camille@mairie.example.org" in page.content.decode()
    response = client.post("/comptes/signup/", {**SIGNUP, "email": imported[0].email})
    assert response.status_code == 302
    user = User.objects.get(email=imported[0].email)
    assert not user.is_pending
    assert user.approved_by == moderator
    imported[0].refresh_from_db()
    assert imported[0].user == user  # the imported entry is linked
    invitation = Invitation.objects.get()
    assert invitation.status == InvitationStatus.ACCEPTED
    # The link was sent to that address: it counts as verified (no confirmation e-mail).
    assert user.emailaddress_set.get().verified


def test_a_link_used_twice_says_so_in_french(client, moderator):
    services.invitation_create(email="camille@example.org", invited_by=moderator)
    link = _link(mail.outbox[0])
    client.get(link)
    client.post("/comptes/signup/", {**SIGNUP, "email": "camille@example.org"})
    client.logout()
    response = client.get(link)
    assert response.status_code == 410
    assert "Ce lien d&#x27;invitation a déjà servi" in response.content.decode()


def test_an_expired_link_says_so_and_the_signup_waits_for_approval(client, moderator, settings):
    services.invitation_create(email="tard@example.org", invited_by=moderator)
    link = _link(mail.outbox[0])
    Invitation.objects.update(
        sent_at=timezone.now()
        - datetime.timedelta(days=settings.DIRECTORY_INVITATION_VALID_DAYS + 1)
    )
    response = client.get(link)
    assert response.status_code == 410
    assert "Ce lien d&#x27;invitation a expiré le" in response.content.decode()
    client.post("/comptes/signup/", {**SIGNUP, "email": "tard@example.org"})
    assert User.objects.get(email="tard@example.org").is_pending
    assert Invitation.objects.get().status == InvitationStatus.EXPIRED


def test_an_unknown_or_replaced_link_is_refused(client, moderator):
    invitation = services.invitation_create(email="a@example.org", invited_by=moderator)
    old = _link(mail.outbox[0])
    services.invitation_send(invitation=invitation)  # resent: a new link
    assert client.get(old).status_code == 410
    assert "n&#x27;est pas valable" in client.get(old).content.decode()
    assert client.get(_link(mail.outbox[1])).status_code == 200


# --- The list: states and resend ------------------------------------------------------------


def test_the_page_shows_each_state_and_resends(client, moderator, make_user, settings):
    invited = services.invitation_create(email="invitee@example.org", invited_by=moderator)
    expired = services.invitation_create(email="expiree@example.org", invited_by=moderator)
    Invitation.objects.filter(pk=expired.pk).update(
        sent_at=timezone.now()
        - datetime.timedelta(days=settings.DIRECTORY_INVITATION_VALID_DAYS + 1)
    )
    bounced = services.invitation_create(email="rebond@example.org", invited_by=moderator)
    Invitation.objects.filter(pk=bounced.pk).update(bounced_at=timezone.now())
    accepted = services.invitation_create(email="acceptee@example.org", invited_by=moderator)
    services.account_accept_invitation(
        user=make_user(email="acceptee@example.org", approved_at=None)
    )
    client.force_login(moderator)
    html = client.get("/annuaire/invitations/").content.decode()
    for invitation, label in (
        (invited, "invitée"),
        (expired, "expirée"),
        (bounced, "non distribuée"),
        (accepted, "acceptée"),
    ):
        row = html.split(f'id="invitation-{invitation.pk}"')[1].split("</tr>")[0]
        assert label in row
        assert ("Renvoyer" in row) is (invitation != accepted)
    mail.outbox.clear()
    response = client.post(f"/annuaire/invitations/{expired.pk}/renvoyer/", follow=True)
    assert "Invitation renvoyée à expiree@example.org." in response.content.decode()
    expired.refresh_from_db()
    assert expired.status == InvitationStatus.INVITED
    assert expired.send_count == 2
    assert [m.to for m in mail.outbox] == [["expiree@example.org"]]


def test_an_accepted_invitation_is_not_resent(client, moderator, make_user):
    invitation = services.invitation_create(email="acceptee@example.org", invited_by=moderator)
    services.account_accept_invitation(
        user=make_user(email="acceptee@example.org", approved_at=None)
    )
    mail.outbox.clear()
    client.force_login(moderator)
    response = client.post(f"/annuaire/invitations/{invitation.pk}/renvoyer/", follow=True)
    assert "Cette invitation a déjà été acceptée." in response.content.decode()
    assert mail.outbox == []


def test_a_bounce_report_about_an_invitation_marks_it_bounced(moderator):
    invitation = services.invitation_create(email="destinataire@example.fr", invited_by=moderator)
    sample = (
        Path(__file__).parents[1] / "mail" / "corpus" / "bounces" / "01-postfix-user-unknown.eml"
    )
    raw = re.sub(
        rb"<176458035912\.4242\.\d+@entraide\.example\.org>",
        invitation.message_id.encode(),
        sample.read_bytes(),
    )
    received, _created = intake.mail_receive(raw=raw, envelope_to="rebonds@reponses.example.org")
    intake.mail_process(mail_id=received.pk)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.BOUNCED


def test_a_forged_bounce_without_the_message_id_marks_nothing(moderator):
    invitation = services.invitation_create(email="destinataire@example.fr", invited_by=moderator)
    assert not services.invitation_bounced(
        message_id="<autre@entraide.invalid>", addresses={"destinataire@example.fr"}
    )
    assert not services.invitation_bounced(
        message_id=invitation.message_id, addresses={"quelquun@example.fr"}
    )
    invitation.refresh_from_db()
    assert invitation.bounced_at is None

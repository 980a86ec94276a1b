"""Sign-up, approval, invitations and the admin logins going through allauth."""

import re

import pytest
from django.core.cache import cache

from directory import services
from directory.models import Invitation, User

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "nouvelle.secretaire@example.org",
    "password1": "un-mot-de-passe-solide-2026",
    "password2": "un-mot-de-passe-solide-2026",
    "first_name": "Camille",
    "last_name": "Testeur",
    "signup_structure": "Mairie de Barrême",
    "signup_function": "Secrétaire de mairie",
}


def test_sign_up_creates_a_pending_account_and_sends_a_french_confirmation(client, mailoutbox):
    response = client.post("/comptes/signup/", SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email=SIGNUP["email"])
    assert user.is_pending
    assert user.signup_structure == "Mairie de Barrême"
    assert len(mailoutbox) == 1
    assert "Confirm" in mailoutbox[0].subject or "confirm" in mailoutbox[0].subject.lower()
    assert mailoutbox[0].subject.startswith("[Entraide]")


def test_a_pending_account_sees_only_the_waiting_page(client, pending_user):
    client.force_login(pending_user)
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/compte/en-attente/"
    page = client.get("/compte/en-attente/")
    assert "attend la validation" in page.content.decode()
    assert client.get("/admin/").url == "/compte/en-attente/"


def test_a_moderator_approves_a_pending_account(client, moderator, pending_user):
    client.force_login(moderator)
    queue = client.get("/annuaire/comptes-en-attente/")
    assert pending_user.email in queue.content.decode()
    response = client.post(f"/annuaire/comptes-en-attente/{pending_user.pk}/approuver/")
    assert response.status_code == 302
    pending_user.refresh_from_db()
    assert not pending_user.is_pending
    assert pending_user.approved_by == moderator
    assert pending_user.groups.filter(name="Membres").exists()


def test_a_member_cannot_approve_accounts(client, member, pending_user):
    client.force_login(member)
    assert client.get("/annuaire/comptes-en-attente/").status_code == 403
    response = client.post(f"/annuaire/comptes-en-attente/{pending_user.pk}/approuver/")
    assert response.status_code == 403
    pending_user.refresh_from_db()
    assert pending_user.is_pending


def test_approval_is_post_only(client, moderator, pending_user):
    client.force_login(moderator)
    assert (
        client.get(f"/annuaire/comptes-en-attente/{pending_user.pk}/approuver/").status_code == 405
    )


def test_an_invited_address_needs_no_approval(client, moderator):
    services.invitation_create(email="Invitee@Example.org", invited_by=moderator)
    client.post("/comptes/signup/", {**SIGNUP, "email": "invitee@example.org"})
    user = User.objects.get(email="invitee@example.org")
    assert not user.is_pending
    assert user.approved_by == moderator
    assert Invitation.objects.get().accepted_at is not None


@pytest.mark.django_db
def test_sign_up_errors_are_french_and_the_form_keeps_what_was_typed(client, member):
    response = client.post(
        "/comptes/signup/",
        {**SIGNUP, "email": "pas-une-adresse", "password1": "court", "password2": "autre"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Saisissez une adresse de courriel valide" in html
    assert 'value="pas-une-adresse"' in html
    assert 'value="Camille"' in html and 'value="Mairie de Barrême"' in html
    assert 'aria-invalid="true"' in html


@pytest.mark.django_db
def test_signing_up_twice_with_the_same_address_does_not_reveal_the_account(
    client, member, mailoutbox
):
    response = client.post("/comptes/signup/", {**SIGNUP, "email": member.email})
    # Enumeration prevention: the same answer as a new sign-up, and a mail to the owner.
    assert response.status_code == 302
    assert User.objects.filter(email__iexact=member.email).count() == 1
    assert mailoutbox and mailoutbox[0].to == [member.email]


@pytest.mark.django_db
def test_posting_credentials_to_the_wagtail_admin_login_does_not_authenticate(client, editor):
    from tests.factories import TEST_PASSWORD

    response = client.post("/admin/login/", {"username": editor.email, "password": TEST_PASSWORD})
    assert response.status_code in (301, 302)
    assert response.url.startswith("/comptes/login/")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_posting_credentials_to_the_django_admin_login_does_not_authenticate(client, make_user):
    from tests.factories import TEST_PASSWORD

    admin = make_user(is_staff=True, is_superuser=True)
    response = client.post(
        "/django-admin/login/", {"username": admin.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url.startswith("/comptes/login/")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_wagtail_admin_sends_visitors_to_the_allauth_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/comptes/login/")


@pytest.mark.django_db
def test_too_many_login_attempts_answer_429_in_french(client, member, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login": "3/m/ip"}
    cache.clear()
    for _attempt in range(3):
        client.post("/comptes/login/", {"login": member.email, "password": "faux"})
    response = client.post("/comptes/login/", {"login": member.email, "password": "faux"})
    assert response.status_code == 429
    assert "Trop de requêtes" in response.content.decode()
    cache.clear()


@pytest.mark.django_db
def test_too_many_failed_logins_for_one_account_block_it_with_a_french_message(
    client, member, settings
):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,3/5m/key"}
    cache.clear()
    for _attempt in range(3):
        client.post("/comptes/login/", {"login": member.email, "password": "faux"})
    from tests.factories import TEST_PASSWORD

    response = client.post("/comptes/login/", {"login": member.email, "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert re.search(r"[Tt]rop de tentatives", response.content.decode())
    assert f'value="{member.email}"' in response.content.decode()
    cache.clear()


@pytest.mark.django_db
def test_login_page_is_styled_like_the_site_and_french(client):
    html = client.get("/comptes/login/").content.decode()
    assert '<html lang="fr">' in html
    assert "site-header" in html
    assert "Se connecter" in html or "Connexion" in html

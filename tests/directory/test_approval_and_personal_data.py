"""Linking accounts to entries at approval; export, erasure and inactive accounts."""

import datetime
import json

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from directory import services
from directory.models import InterestKind, Person, TopicInterest, User, Visibility
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_the_approval_page_suggests_entries_matching_the_email_or_the_name(
    client, moderator, make_user, make_person
):
    pending = make_user(approved_at=None, first_name="Hélène", last_name="Vidal")
    by_name = make_person(first_name="Helene", last_name="VIDAL")
    by_email = make_person(first_name="H.", last_name="V.", email=pending.email.upper())
    unrelated = make_person(first_name="Autre", last_name="Personne")
    client.force_login(moderator)
    html = client.get("/annuaire/comptes-en-attente/").content.decode()
    assert f'value="{by_name.pk}"' in html and f'value="{by_email.pk}"' in html
    assert f'value="{unrelated.pk}"' not in html
    assert "Créer une nouvelle fiche" in html


def test_approving_links_the_account_to_the_chosen_entry(client, moderator, make_user, make_person):
    pending = make_user(approved_at=None, first_name="Inès", last_name="Lambert")
    entry = make_person(first_name="Inès", last_name="LAMBERT")
    client.force_login(moderator)
    client.post(f"/annuaire/comptes-en-attente/{pending.pk}/approuver/", {"fiche": entry.pk})
    entry.refresh_from_db()
    pending.refresh_from_db()
    assert entry.user == pending and not pending.is_pending
    assert entry.email == pending.email


def test_approving_can_create_a_new_entry(client, moderator, make_user):
    pending = make_user(approved_at=None, first_name="Nouveau", last_name="Venu")
    client.force_login(moderator)
    client.post(f"/annuaire/comptes-en-attente/{pending.pk}/approuver/", {"fiche": "nouvelle"})
    assert Person.objects.get(user=pending).full_name == "Nouveau Venu"


def test_an_entry_already_linked_to_another_account_cannot_be_taken(make_user, make_person):
    owner, newcomer = make_user(), make_user(approved_at=None)
    entry = make_person(user=owner)
    with pytest.raises(services.LinkError):
        services.account_link_person(user=newcomer, person=entry)


def test_a_forged_entry_choice_is_refused(client, moderator, make_user, make_person):
    pending = make_user(approved_at=None)
    other = make_person(first_name="Sans", last_name="Rapport")
    client.force_login(moderator)
    client.post(f"/annuaire/comptes-en-attente/{pending.pk}/approuver/", {"fiche": other.pk})
    pending.refresh_from_db()
    other.refresh_from_db()
    assert pending.is_pending and other.user is None


def test_a_member_downloads_all_their_data_as_json(client, member, make_person, make_topic):
    person = make_person(user=member, bio="Ma bio", phone="0400000000")
    TopicInterest.objects.create(person=person, topic=make_topic(), kind=InterestKind.INTEREST)
    client.force_login(member)
    response = client.get("/annuaire/moi/donnees/")
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["compte"]["email"] == member.email
    assert data["fiche_annuaire"]["presentation"] == "Ma bio"
    assert data["fiche_annuaire"]["telephone"] == "0400000000"
    assert len(data["fiche_annuaire"]["sujets"]) == 1


def test_erasing_needs_the_password(client, member, make_person):
    make_person(user=member)
    client.force_login(member)
    response = client.post("/annuaire/moi/effacer/", {"password": "faux"})
    assert response.status_code == 200
    assert "Mot de passe incorrect" in response.content.decode()
    assert User.objects.filter(pk=member.pk).exists()


def test_erasing_removes_the_entry_and_the_account_and_ends_every_session(
    client, member, make_person
):
    make_person(user=member, email_visibility=Visibility.MEMBERS)
    from django.test import Client

    other_device = Client()
    other_device.force_login(member)
    client.force_login(member)
    assert Session.objects.count() == 2
    response = client.post("/annuaire/moi/effacer/", {"password": TEST_PASSWORD})
    assert response.status_code == 302 and response.url == "/annuaire/compte-efface/"
    assert not User.objects.filter(pk=member.pk).exists()
    assert not Person.objects.filter(last_name=member.last_name).exists()
    assert Session.objects.count() == 0
    assert other_device.get("/annuaire/").status_code == 302
    assert "est effacé" in client.get("/annuaire/compte-efface/").content.decode()


def test_an_account_protected_from_deletion_is_anonymised_and_deactivated(
    member, make_person, monkeypatch
):
    from django.db.models import ProtectedError

    make_person(user=member)

    from django.db.models.query import QuerySet

    original = QuerySet.delete

    def protected(queryset):
        if queryset.model is User:
            raise ProtectedError("protégé", set())
        return original(queryset)

    monkeypatch.setattr(QuerySet, "delete", protected)
    services.account_erase(user=member)
    monkeypatch.undo()
    member.refresh_from_db()
    assert not member.is_active
    assert member.email.startswith("ancien-membre-") and member.last_name == ""
    assert not member.has_usable_password()


def test_moderators_see_accounts_inactive_for_two_years(client, moderator, make_user):
    old = make_user(email="ancien@example.org")
    User.objects.filter(pk=old.pk).update(last_login=timezone.now() - datetime.timedelta(days=800))
    never = make_user(email="jamais@example.org")
    User.objects.filter(pk=never.pk).update(
        date_joined=timezone.now() - datetime.timedelta(days=900), last_login=None
    )
    recent = make_user(email="recent@example.org")
    User.objects.filter(pk=recent.pk).update(last_login=timezone.now())
    client.force_login(moderator)
    html = client.get("/annuaire/comptes-inactifs/").content.decode()
    assert "ancien@example.org" in html and "jamais@example.org" in html
    assert "recent@example.org" not in html


def test_members_cannot_see_moderation_pages(client, member):
    client.force_login(member)
    for url in (
        "/annuaire/comptes-inactifs/",
        "/annuaire/import/",
        "/annuaire/expertises/",
        "/annuaire/comptes-en-attente/",
    ):
        assert client.get(url).status_code == 403


def test_a_new_entry_gets_the_position_given_at_sign_up_when_the_structure_is_known(
    client, moderator, make_user, territory
):
    pending = make_user(
        approved_at=None,
        signup_structure="CC Moyen Verdon – Mairie de St André",
        signup_function="Secrétaire de mairie",
    )
    unknown = make_user(approved_at=None, signup_structure="Mairie de Nulle-Part")
    client.force_login(moderator)
    for account in (pending, unknown):
        client.post(f"/annuaire/comptes-en-attente/{account.pk}/approuver/", {"fiche": "nouvelle"})
    position = Person.objects.get(user=pending).positions.get()
    assert position.structure.slug == "saint-andre-les-alpes"
    assert position.kind == "agent" and position.function == "Secrétaire de mairie"
    assert not Person.objects.get(user=unknown).positions.exists()

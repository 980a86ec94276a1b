"""The yearly « vérifiez votre fiche » campaign: who gets the e-mail, the one-click link."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from directory import services
from directory.models import Person

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/annuaire/verifier-ma-fiche/[^\s]+/)")


@pytest.fixture(autouse=True)
def _emails_leave_at_once(monkeypatch):
    """The e-mails leave after the commit; the test's transaction never commits, so the
    after-commit callbacks run at once here (each test checks `mail.outbox` mid-way)."""
    monkeypatch.setattr(
        "django.db.transaction.on_commit", lambda func, using=None, robust=False: func()
    )


@pytest.fixture
def old_entry(make_user, make_person, make_position):
    person = make_person(user=make_user(email="ancienne@example.org"), first_name="Anne")
    make_position(person=person, function="Secrétaire de mairie")
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Person.objects.filter(pk=person.pk).update(updated_at=long_ago)
    return person


def _link(message) -> str:
    return LINK.search(message.body).group(1)


def test_the_campaign_emails_entries_not_checked_for_a_year_once(old_entry, make_person, make_user):
    make_person(user=make_user(email="recente@example.org"))  # edited just now
    make_person(first_name="Sans", last_name="Compte")  # no account: nobody to ask
    call_command("directory_check_campaign")
    assert [m.to for m in mail.outbox] == [["ancienne@example.org"]]
    assert "Secrétaire de mairie" in mail.outbox[0].body
    call_command("directory_check_campaign")  # run again the next day: not asked twice
    assert len(mail.outbox) == 1


def test_a_dry_run_sends_nothing(old_entry, capsys):
    call_command("directory_check_campaign", "--dry-run")
    assert mail.outbox == []
    assert "1 fiche(s) à vérifier" in capsys.readouterr().out


def test_the_link_confirms_in_one_click_without_logging_in(client, old_entry):
    call_command("directory_check_campaign")
    link = _link(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200
    assert "Secrétaire de mairie" in page.content.decode()
    old_entry.refresh_from_db()
    assert old_entry.checked_at is None  # opening the link (a mail scanner) confirms nothing
    response = client.post(link)
    assert "votre fiche est confirmée à jour" in response.content.decode()
    old_entry.refresh_from_db()
    assert old_entry.checked_at is not None
    call_command("directory_check_campaign")
    assert len(mail.outbox) == 1  # confirmed: not asked again this year


def test_a_tampered_or_expired_link_is_refused_in_french(client, old_entry, settings):
    call_command("directory_check_campaign")
    link = _link(mail.outbox[0])
    response = client.post(link.replace("/verifier-ma-fiche/", "/verifier-ma-fiche/x"))
    assert response.status_code == 400
    assert "Ce lien de vérification n'est pas valable" in response.content.decode()
    settings.DIRECTORY_CHECK_LINK_DAYS = -1
    response = client.post(link)
    assert response.status_code == 400
    assert "a expiré" in response.content.decode()
    old_entry.refresh_from_db()
    assert old_entry.checked_at is None


def test_confirming_changes_nothing_an_open_form_would_overwrite(old_entry):
    """Only the check date is written: a form opened before stays valid (same version)."""
    before = Person.objects.get(pk=old_entry.pk)
    services.entry_confirm(person=old_entry)
    after = Person.objects.get(pk=old_entry.pk)
    assert after.version == before.version
    assert after.checked_at is not None

"""Moderators correct someone's entry with a logged reason; no lost update with the owner."""

import datetime

import pytest
from django.utils import timezone

from directory import services
from directory.forms import ModeratorPositionFormSet
from directory.models import EntryChange, EntryChangeKind, Person, PositionKind, Visibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_user):
    return make_user(email="odile.owner@example.org")


@pytest.fixture
def entry(owner, make_person, make_position, make_structure):
    person = make_person(
        user=owner, first_name="Odile", last_name="Mairesse", email="odile@mairie.example.org"
    )
    make_position(
        person=person,
        structure=make_structure(name="Castellane"),
        function="Maire",
        kind=PositionKind.ELU,
        start_date=datetime.date(2020, 5, 25),
    )
    return person


def _management(prefix="fonctions", total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _moderator_post(person, **overrides):
    data = {
        "fiche-version": str(person.version),
        "fiche-first_name": person.first_name,
        "fiche-last_name": person.last_name,
        "fiche-bio": person.bio,
        "fiche-email": person.email,
        "fiche-phone": person.phone,
        "fiche-reason": "Nom mal orthographié à l'import",
        **_management(),
    }
    data.update(overrides)
    return data


def _owner_post(person, **overrides):
    data = {
        "fiche-version": str(person.version),
        "fiche-first_name": person.first_name,
        "fiche-last_name": person.last_name,
        "fiche-bio": person.bio,
        "fiche-email": person.email,
        "fiche-email_visibility": person.email_visibility,
        "fiche-phone": person.phone,
        "fiche-phone_visibility": person.phone_visibility,
        "fiche-is_listed": "on",
        **_management(),
    }
    data.update(overrides)
    return data


# --- Permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["modifier/", "fusionner/"])
def test_members_cannot_open_the_moderators_entry_pages(client, member, entry, url):
    client.force_login(member)
    assert client.get(f"/annuaire/personnes/{entry.pk}/{url}").status_code == 403


def test_the_owner_cannot_use_the_moderators_page_on_their_own_entry(client, owner, entry):
    client.force_login(owner)
    response = client.post(
        f"/annuaire/personnes/{entry.pk}/modifier/",
        _moderator_post(entry, **{"fiche-last_name": "X"}),
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.last_name == "Mairesse"


def test_visitors_are_sent_to_the_login_page(client, entry):
    response = client.get(f"/annuaire/personnes/{entry.pk}/modifier/")
    assert response.status_code == 302
    assert response.url.startswith("/comptes/login/")


def test_only_moderators_see_the_correction_link_on_a_person_page(client, member, moderator, entry):
    client.force_login(member)
    assert "/modifier/" not in client.get(entry.get_absolute_url()).content.decode()
    client.force_login(moderator)
    html = client.get(entry.get_absolute_url()).content.decode()
    assert f"/annuaire/personnes/{entry.pk}/modifier/" in html


# --- Editing with a reason -------------------------------------------------------------------


def test_a_moderator_corrects_an_entry_and_the_reason_is_logged(client, moderator, entry):
    client.force_login(moderator)
    response = client.post(
        f"/annuaire/personnes/{entry.pk}/modifier/",
        _moderator_post(entry, **{"fiche-last_name": "Mairesse-Blanc"}),
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.last_name == "Mairesse-Blanc"
    change = EntryChange.objects.get(person=entry)
    assert change.kind == EntryChangeKind.EDIT
    assert change.changed_by == moderator
    assert change.reason == "Nom mal orthographié à l'import"
    assert change.details == {"last_name": ["Mairesse", "Mairesse-Blanc"]}
    page = client.get(f"/annuaire/personnes/{entry.pk}/modifier/").content.decode()
    assert "Nom mal orthographié à l&#x27;import" in page
    assert "last_name : Mairesse → Mairesse-Blanc" in page


def test_a_correction_without_a_reason_is_refused_and_keeps_what_was_typed(
    client, moderator, entry
):
    client.force_login(moderator)
    response = client.post(
        f"/annuaire/personnes/{entry.pk}/modifier/",
        _moderator_post(entry, **{"fiche-last_name": "Nouveau", "fiche-reason": "  "}),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Indiquez le motif" in html
    assert 'value="Nouveau"' in html
    entry.refresh_from_db()
    assert entry.last_name == "Mairesse"
    assert not EntryChange.objects.exists()


def test_a_moderator_cannot_change_the_persons_consent_choices(client, moderator, entry):
    client.force_login(moderator)
    client.post(
        f"/annuaire/personnes/{entry.pk}/modifier/",
        _moderator_post(
            entry,
            **{"fiche-email_visibility": Visibility.MEMBERS, "fiche-is_listed": ""},
        ),
    )
    entry.refresh_from_db()
    assert entry.email_visibility == Visibility.HIDDEN
    assert entry.is_listed is True


def test_a_moderator_adds_a_position_and_it_is_logged(client, moderator, entry, make_structure):
    barreme = make_structure(name="Barrême")
    client.force_login(moderator)
    data = _moderator_post(entry, **_management(total=1))
    data.update(
        {
            "fonctions-0-structure": str(barreme.pk),
            "fonctions-0-function": "Secrétaire de mairie",
            "fonctions-0-kind": PositionKind.AGENT,
        }
    )
    assert client.post(f"/annuaire/personnes/{entry.pk}/modifier/", data).status_code == 302
    assert entry.positions.filter(structure=barreme).exists()
    change = EntryChange.objects.get(person=entry)
    assert any("Secrétaire de mairie — Barrême" in line for line in change.detail_lines)


# --- Concurrent edits: no lost update ------------------------------------------------------


def test_the_owner_saving_after_a_moderator_gets_a_clear_message_and_keeps_their_text(
    client, owner, moderator, entry
):
    shown = entry.version  # both forms were opened at this version
    client.force_login(moderator)
    client.post(
        f"/annuaire/personnes/{entry.pk}/modifier/",
        _moderator_post(entry, **{"fiche-last_name": "Mairesse-Blanc"}),
    )
    client.force_login(owner)
    response = client.post(
        "/annuaire/moi/",
        _owner_post(entry, **{"fiche-version": str(shown), "fiche-bio": "Maire depuis 2020."}),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "a été modifiée par quelqu&#x27;un d&#x27;autre" in html
    assert "Maire depuis 2020." in html  # what the owner typed is still in the form
    assert "Mairesse-Blanc" in html  # the current value is shown beside it
    entry.refresh_from_db()
    assert entry.last_name == "Mairesse-Blanc"  # the moderator's correction is not lost
    assert entry.bio == ""
    # The form now carries the current version: saving again is a deliberate choice.
    assert f'name="fiche-version" value="{entry.version}"' in html


def test_a_moderator_saving_after_the_owner_gets_a_clear_message_and_keeps_their_text(
    client, owner, moderator, entry
):
    shown = entry.version
    client.force_login(owner)
    assert (
        client.post("/annuaire/moi/", _owner_post(entry, **{"fiche-bio": "Bio"})).status_code == 302
    )
    client.force_login(moderator)
    response = client.post(
        f"/annuaire/personnes/{entry.pk}/modifier/",
        _moderator_post(
            entry, **{"fiche-version": str(shown), "fiche-last_name": "Mairesse-Blanc"}
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "rien n&#x27;est enregistré" in html
    assert 'value="Mairesse-Blanc"' in html
    entry.refresh_from_db()
    assert entry.bio == "Bio"
    assert entry.last_name == "Mairesse"
    assert not EntryChange.objects.exists()
    # Saving again from the page (now at the current version) goes through.
    data = _moderator_post(entry, **{"fiche-last_name": "Mairesse-Blanc"})
    assert client.post(f"/annuaire/personnes/{entry.pk}/modifier/", data).status_code == 302
    entry.refresh_from_db()
    assert (entry.last_name, entry.bio) == ("Mairesse-Blanc", "Bio")


def test_the_service_refuses_a_stale_version_and_writes_nothing(entry, moderator):
    stale = entry.version
    services.person_update_profile(person=entry, data={"bio": "Nouvelle"})
    formset = ModeratorPositionFormSet(_management(), instance=entry, prefix="fonctions")
    assert formset.is_valid()
    with pytest.raises(services.EntryChanged) as raised:
        services.person_moderate(
            person=Person.objects.get(pk=entry.pk),
            data={"last_name": "Autre"},
            positions=formset,
            changed_by=moderator,
            reason="test",
            expected_version=stale,
        )
    assert raised.value.person.bio == "Nouvelle"
    assert Person.objects.get(pk=entry.pk).last_name == "Mairesse"


def test_every_write_raises_the_version(entry):
    before = entry.version
    services.person_update_profile(person=entry, data={"bio": "x"})
    assert Person.objects.get(pk=entry.pk).version == before + 1
    assert entry.version == before + 1


def test_moderator_edit_page_shows_history_with_a_bounded_number_of_queries(
    client, moderator, entry, django_assert_max_num_queries
):
    for n in range(5):
        EntryChange.objects.create(
            person=entry,
            person_label="x",
            changed_by=moderator,
            kind=EntryChangeKind.EDIT,
            reason=f"motif {n}",
            created_at=timezone.now(),
        )
    client.force_login(moderator)
    with django_assert_max_num_queries(40):
        response = client.get(f"/annuaire/personnes/{entry.pk}/modifier/")
    assert "motif 4" in response.content.decode()


# --- The owner is told -----------------------------------------------------------------------


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_owner_is_told_what_a_moderator_corrected_with_a_link_to_their_entry(
    client, moderator, owner, entry, committed, mailoutbox
):
    from website.notifications.kinds import Kind
    from website.notifications.models import Notification

    client.force_login(moderator)
    with committed():
        response = client.post(
            f"/annuaire/personnes/{entry.pk}/modifier/",
            _moderator_post(
                entry,
                **{"fiche-last_name": "Mairesse-Blanc", "fiche-phone": "04 92 00 00 00"},
            ),
        )
    assert response.status_code == 302
    [notification] = Notification.objects.filter(kind=Kind.ENTRY_CORRECTED)
    assert notification.recipient == owner
    assert notification.actor_id == moderator.pk
    assert notification.url == entry.get_absolute_url()
    assert "Nom : Mairesse → Mairesse-Blanc" in notification.excerpt
    assert "Téléphone professionnel : — → 04 92 00 00 00" in notification.excerpt
    assert "Motif : Nom mal orthographié à l'import" in notification.excerpt
    [message] = mailoutbox
    assert message.to == ["odile.owner@example.org"]
    assert "Votre fiche de l'annuaire" in message.subject
    assert "Mairesse-Blanc" in message.body
    assert entry.get_absolute_url() in message.body
    client.force_login(owner)
    page = client.get("/notifications/").content.decode()
    assert "a corrigé votre fiche de l&#x27;annuaire" in page or (
        "a corrigé votre fiche de l'annuaire" in page
    )


def test_ending_a_position_tells_the_owner(moderator, owner, entry, committed):
    from website.notifications.kinds import Kind
    from website.notifications.models import Notification

    position = entry.positions.get()
    with committed():
        services.position_end(
            position=position,
            end_date=timezone.localdate(),
            ended_by=moderator,
            reason="Élections municipales",
        )
    notification = Notification.objects.get(kind=Kind.ENTRY_CORRECTED)
    assert notification.recipient == owner
    year = timezone.localdate().year
    assert (
        f"Fonction : Maire — Castellane (2020–) → Maire — Castellane (2020–{year})"
        in notification.excerpt
    )
    assert "Motif : Élections municipales" in notification.excerpt
    assert "fin de fonction" in notification.title


def test_nothing_changed_a_stale_form_or_an_entry_without_account_tells_nobody(
    client, moderator, entry, committed, make_person
):
    from website.notifications.models import Notification

    client.force_login(moderator)
    with committed():
        client.post(f"/annuaire/personnes/{entry.pk}/modifier/", _moderator_post(entry))
    stale = _moderator_post(entry, **{"fiche-last_name": "Autre"})
    services.person_update_profile(person=entry, data={"bio": "Nouvelle présentation"})
    with committed():
        response = client.post(f"/annuaire/personnes/{entry.pk}/modifier/", stale)
    assert response.status_code in (200, 409)
    imported = make_person(first_name="Sans", last_name="Compte")
    with committed():
        client.post(
            f"/annuaire/personnes/{imported.pk}/modifier/",
            _moderator_post(imported, **{"fiche-last_name": "Compte-Rendu"}),
        )
    imported.refresh_from_db()
    assert imported.last_name == "Compte-Rendu"
    assert not Notification.objects.exists()


def test_a_retried_fan_out_tells_the_owner_once(moderator, entry, committed):
    from website.notifications import events
    from website.notifications.models import Notification

    with committed():
        services.position_end(
            position=entry.positions.get(),
            end_date=timezone.localdate(),
            ended_by=moderator,
            reason="Élections municipales",
        )
    change = EntryChange.objects.get()
    assert events.handle("entry_corrected", {"change_id": change.pk}) == []
    assert Notification.objects.count() == 1

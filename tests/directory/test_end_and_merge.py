"""Ending a mandate (a departed mayor) and merging duplicate entries, by moderators."""

import datetime

import pytest
from django.utils import timezone

from directory import services
from directory.models import (
    EntryChange,
    EntryChangeKind,
    InterestKind,
    Person,
    PersonFollow,
    Position,
    PositionKind,
    TopicInterest,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mayor(make_person, make_position, make_structure):
    person = make_person(first_name="Marcel", last_name="Ancien")
    position = make_position(
        person=person,
        structure=make_structure(name="Castellane"),
        function="Maire",
        kind=PositionKind.ELU,
        start_date=datetime.date(2020, 5, 25),
    )
    return position


def _end(client, position, end_date, reason="Élections municipales de mars 2026"):
    return client.post(
        f"/annuaire/fonctions/{position.pk}/terminer/",
        {f"fin{position.pk}-end_date": end_date, f"fin{position.pk}-reason": reason},
    )


# --- Ending a mandate ------------------------------------------------------------------------


def test_a_moderator_ends_a_mandate_and_the_entry_shows_the_former_position(
    client, moderator, member, mayor
):
    client.force_login(moderator)
    response = _end(client, mayor, "2026-03-22")
    assert response.status_code == 302
    mayor.refresh_from_db()
    assert mayor.end_date == datetime.date(2026, 3, 22)
    change = EntryChange.objects.get(person=mayor.person)
    assert change.kind == EntryChangeKind.END_POSITION
    assert change.reason == "Élections municipales de mars 2026"
    client.force_login(member)
    html = client.get(mayor.person.get_absolute_url()).content.decode()
    assert "ancien·ne maire de Castellane (2020–2026)" in html
    assert "Aucune fonction renseignée." in html  # no longer a current position


@pytest.mark.parametrize(
    ("end_date", "message"),
    [
        (timezone.localdate() + datetime.timedelta(days=1), "ne peut pas être dans le futur"),
        (datetime.date(2019, 1, 1), "ne peut pas précéder le début de la fonction (25/05/2020)"),
        ("pas une date", "Indiquez une date valide"),
        ("", "Indiquez la date de fin."),
    ],
)
def test_an_end_date_in_the_future_or_before_the_start_is_refused_clearly(
    client, moderator, mayor, end_date, message
):
    client.force_login(moderator)
    response = _end(client, mayor, str(end_date), reason="Motif tapé")
    assert response.status_code == 200
    html = response.content.decode()
    assert message.replace("'", "&#x27;") in html
    assert "Motif tapé" in html  # what was typed is kept
    mayor.refresh_from_db()
    assert mayor.end_date is None
    assert not EntryChange.objects.exists()


def test_a_position_already_ended_cannot_be_ended_again(moderator, mayor):
    services.position_end(
        position=mayor, end_date=datetime.date(2026, 3, 22), ended_by=moderator, reason="x"
    )
    with pytest.raises(services.PositionEndError, match="déjà terminée"):
        services.position_end(
            position=mayor, end_date=datetime.date(2026, 3, 23), ended_by=moderator, reason="x"
        )


def test_ending_a_mandate_needs_a_reason(client, moderator, mayor):
    client.force_login(moderator)
    response = _end(client, mayor, "2026-03-22", reason="")
    assert "Indiquez le motif" in response.content.decode()
    mayor.refresh_from_db()
    assert mayor.end_date is None


@pytest.mark.parametrize("role", ["member", "owner"])
def test_members_and_the_owner_cannot_end_a_mandate_through_the_moderators_action(
    client, make_user, mayor, role
):
    user = make_user()
    if role == "owner":
        mayor.person.user = user
        mayor.person.save()
    client.force_login(user)
    assert _end(client, mayor, "2026-03-22").status_code == 403
    mayor.refresh_from_db()
    assert mayor.end_date is None


def test_a_visitor_is_sent_to_the_login_page_to_end_a_mandate(client, mayor):
    response = _end(client, mayor, "2026-03-22")
    assert response.status_code == 302
    assert response.url.startswith("/comptes/login/")


def test_former_position_label_reads_as_a_sentence(mayor):
    mayor.end_date = datetime.date(2026, 3, 22)
    assert mayor.function_in_sentence == "maire"
    assert mayor.years == "2020–2026"
    mayor.function = "DGS"
    assert mayor.function_in_sentence == "DGS"


# --- Merging duplicates ----------------------------------------------------------------------


@pytest.fixture
def duplicates(make_user, make_person, make_position, make_structure, make_topic):
    account = make_user(email="sandrine@example.org")
    topic = make_topic(name="Voirie", slug="voirie")
    other_topic = make_topic(name="Eau", slug="eau")
    barreme = make_structure(name="Barrême")
    clumanc = make_structure(name="Clumanc")
    kept = make_person(first_name="Sandrine", last_name="Dupont", email="")
    duplicate = make_person(
        first_name="Sandrine", last_name="DUPONT", user=account, email="s.dupont@example.org"
    )
    make_position(person=kept, structure=barreme, function="Secrétaire de mairie")
    make_position(person=duplicate, structure=barreme, function="secrétaire de mairie")
    make_position(person=duplicate, structure=clumanc, function="Secrétaire de mairie")
    TopicInterest.objects.create(
        person=kept, topic=topic, kind=InterestKind.EXPERTISE, is_confirmed=False
    )
    TopicInterest.objects.create(person=duplicate, topic=topic, kind=InterestKind.EXPERTISE)
    TopicInterest.objects.create(person=duplicate, topic=other_topic, kind=InterestKind.INTEREST)
    follower = make_user()
    PersonFollow.objects.create(user=follower, person=duplicate)
    return kept, duplicate, account, follower


def test_a_moderator_merges_a_duplicate_and_everything_is_carried_over(
    client, moderator, duplicates
):
    kept, duplicate, account, follower = duplicates
    client.force_login(moderator)
    response = client.post(
        f"/annuaire/personnes/{duplicate.pk}/fusionner/",
        {"kept": str(kept.pk), "reason": "Même personne importée deux fois"},
    )
    assert response.status_code == 302
    assert not Person.objects.filter(pk=duplicate.pk).exists()
    kept.refresh_from_db()
    assert kept.user == account
    assert kept.email == "s.dupont@example.org"  # an empty field completed
    assert sorted(kept.positions.values_list("structure__name", flat=True)) == [
        "Barrême",
        "Clumanc",
    ]  # the same post at Barrême is not doubled
    links = {(link.topic.slug, link.kind, link.is_confirmed) for link in kept.topic_links.all()}
    assert links == {("voirie", "expertise", True), ("eau", "interest", True)}
    assert PersonFollow.objects.filter(user=follower, person=kept).exists()
    change = EntryChange.objects.get(person=kept)
    assert change.kind == EntryChangeKind.MERGE
    assert change.reason == "Même personne importée deux fois"
    assert change.details["compte"] == str(account)


def test_merging_a_person_into_themself_is_refused(client, moderator, duplicates):
    kept, *_ = duplicates
    client.force_login(moderator)
    response = client.post(
        f"/annuaire/personnes/{kept.pk}/fusionner/", {"kept": str(kept.pk), "reason": "x"}
    )
    assert response.status_code == 200
    assert "ne peut pas être fusionnée avec elle-même" in response.content.decode()
    assert Person.objects.filter(pk=kept.pk).exists()
    assert not EntryChange.objects.exists()


def test_two_entries_linked_to_two_accounts_are_not_merged(moderator, duplicates, make_user):
    kept, duplicate, *_ = duplicates
    kept.user = make_user()
    kept.save()
    with pytest.raises(services.MergeError, match="deux comptes différents"):
        services.person_merge(duplicate=duplicate, kept=kept, merged_by=moderator, reason="x")
    assert Person.objects.filter(pk=duplicate.pk).exists()
    assert Position.objects.filter(person=duplicate).count() == 2


def test_an_unknown_entry_number_is_refused(client, moderator, duplicates):
    _kept, duplicate, *_ = duplicates
    client.force_login(moderator)
    response = client.post(
        f"/annuaire/personnes/{duplicate.pk}/fusionner/", {"kept": "999999", "reason": "x"}
    )
    assert "Aucune fiche ne porte ce numéro." in response.content.decode()


def test_the_merge_page_suggests_entries_with_the_same_name(client, moderator, duplicates):
    kept, duplicate, *_ = duplicates
    client.force_login(moderator)
    html = client.get(f"/annuaire/personnes/{duplicate.pk}/fusionner/").content.decode()
    assert f"n° {kept.pk} : Sandrine Dupont" in html


def test_members_cannot_merge(client, member, duplicates):
    kept, duplicate, *_ = duplicates
    client.force_login(member)
    response = client.post(
        f"/annuaire/personnes/{duplicate.pk}/fusionner/", {"kept": str(kept.pk), "reason": "x"}
    )
    assert response.status_code == 403
    assert Person.objects.filter(pk=duplicate.pk).exists()

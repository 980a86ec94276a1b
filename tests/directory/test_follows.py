"""Following people and structures of the directory (issue 20, item 5): the buttons on their
pages, the rules, and the last visit that « Mes suivis » counts from."""

import pytest

from directory import permissions, services
from directory.models import PersonFollow, StructureFollow

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(make_person, make_user):
    return make_person(user=make_user(), first_name="Paul", last_name="Girard")


@pytest.fixture
def structure(make_structure):
    return make_structure(name="Commune de Bellecombe")


def test_members_follow_listed_people_but_not_themselves_nor_unlisted_ones(
    member, person, make_person, pending_user
):
    assert permissions.can_follow_person(member, person)
    assert not permissions.can_follow_person(person.user, person)
    assert not permissions.can_follow_person(member, make_person(is_listed=False))
    assert not permissions.can_follow_person(pending_user, person)


def test_the_person_page_offers_to_follow_then_to_stop(client, member, person):
    client.force_login(member)
    page = client.get(person.get_absolute_url()).content.decode()
    assert "Suivre cette personne" in page and 'aria-pressed="false"' in page

    response = client.post(f"/annuaire/personnes/{person.pk}/suivre/")
    assert response.status_code == 302 and response.url == person.get_absolute_url()
    assert PersonFollow.objects.filter(user=member, person=person).exists()
    page = client.get(response.url).content.decode()
    assert "Vous suivez Paul Girard." in page
    assert 'name="action" value="unfollow"' in page and 'aria-pressed="true"' in page

    client.post(f"/annuaire/personnes/{person.pk}/suivre/", {"action": "unfollow"})
    assert not PersonFollow.objects.exists()


def test_no_follow_button_on_ones_own_entry(client, person):
    client.force_login(person.user)
    assert "Suivre cette personne" not in client.get(person.get_absolute_url()).content.decode()
    client.post(f"/annuaire/personnes/{person.pk}/suivre/")
    assert not PersonFollow.objects.exists()


def test_an_unlisted_person_cannot_be_followed_but_can_be_unfollowed(client, member, person):
    services.follow(user=member, entry=person)
    person.is_listed = False
    person.save()
    client.force_login(member)
    services.unfollow(user=member, entry=person)
    assert client.post(f"/annuaire/personnes/{person.pk}/suivre/").status_code == 404
    assert not PersonFollow.objects.exists()

    services.follow(user=member, entry=person)
    response = client.post(f"/annuaire/personnes/{person.pk}/suivre/", {"action": "unfollow"})
    assert response.status_code == 302 and response.url == "/annuaire/"
    assert not PersonFollow.objects.exists()
    # The same answer for an id that does not exist: unlisted entries are not enumerable.
    unknown = client.post("/annuaire/personnes/999999/suivre/", {"action": "unfollow"})
    assert unknown.status_code == 302 and unknown.url == "/annuaire/"


def test_the_structure_page_offers_to_follow_then_to_stop(client, member, structure):
    client.force_login(member)
    assert "Suivre cette structure" in client.get(structure.get_absolute_url()).content.decode()
    response = client.post(f"/annuaire/structures/{structure.slug}/suivre/")
    assert response.url == structure.get_absolute_url()
    assert StructureFollow.objects.filter(user=member, structure=structure).exists()
    assert "Vous suivez Commune de Bellecombe." in client.get(response.url).content.decode()
    client.post(f"/annuaire/structures/{structure.slug}/suivre/", {"action": "unfollow"})
    assert not StructureFollow.objects.exists()


def test_visitors_are_sent_to_log_in_and_get_is_refused(client, person, structure):
    for path in (
        f"/annuaire/personnes/{person.pk}/suivre/",
        f"/annuaire/structures/{structure.slug}/suivre/",
    ):
        response = client.post(path)
        assert response.status_code == 302 and "/comptes/login/" in response.url
        assert client.get(path).status_code == 405
    assert not PersonFollow.objects.exists() and not StructureFollow.objects.exists()


def test_opening_the_page_moves_the_last_visit_of_a_follower_only(
    client, member, make_user, person, structure
):
    follow = services.follow(user=member, entry=person)
    watched = services.follow(user=member, entry=structure)
    stranger = make_user()
    client.force_login(stranger)
    client.get(person.get_absolute_url())
    assert not PersonFollow.objects.filter(user=stranger).exists()

    client.force_login(member)
    client.get(person.get_absolute_url())
    client.get(structure.get_absolute_url())
    follow.refresh_from_db()
    watched.refresh_from_db()
    assert follow.seen_at > follow.created_at
    assert watched.seen_at > watched.created_at

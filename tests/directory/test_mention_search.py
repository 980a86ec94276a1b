"""`/annuaire/mentions/?q=`: the @mention autocomplete's JSON, members only, listed people
only, ten at most, a bounded number of queries."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/annuaire/mentions/"


def test_the_address_is_stable():
    assert reverse("directory:mention_search") == URL


def names(client, query):
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return [row["name"] for row in response.json()["results"]]


def test_a_member_finds_listed_people_by_name_with_their_positions(
    client, member, make_person, make_position, make_structure
):
    marie = make_person(first_name="Marie", last_name="Dupont")
    make_position(
        person=marie, structure=make_structure(name="Commune de Barrême"), function="Maire"
    )
    make_person(first_name="Luc", last_name="Martin")
    client.force_login(member)
    response = client.get(URL, {"q": "Dup"})
    assert response.json() == {
        "results": [
            {
                "id": marie.pk,
                "name": "Marie Dupont",
                "detail": "Maire, Commune de Barrême",
                "url": f"/annuaire/personnes/{marie.pk}/",
            }
        ]
    }


def test_accents_and_case_do_not_matter(client, member, make_person):
    make_person(first_name="Hélène", last_name="Médard")
    client.force_login(member)
    assert names(client, "medard") == ["Hélène Médard"]


def test_people_who_objected_to_the_directory_never_appear(client, member, make_person):
    make_person(first_name="Paul", last_name="Dupuis", is_listed=False)
    make_person(first_name="Anne", last_name="Dupuis")
    client.force_login(member)
    assert names(client, "Dupuis") == ["Anne Dupuis"]


def test_moderators_do_not_see_unlisted_people_here_either(client, moderator, make_person):
    make_person(first_name="Paul", last_name="Dupuis", is_listed=False)
    client.force_login(moderator)
    assert names(client, "Dupuis") == []


def test_at_most_ten_results(client, member, make_person):
    for number in range(15):
        make_person(first_name=f"Prénom{number}", last_name="Durand")
    client.force_login(member)
    assert len(names(client, "Durand")) == 10


def test_a_query_under_two_characters_finds_nobody(client, member, make_person):
    make_person(first_name="Anne", last_name="D")
    client.force_login(member)
    assert names(client, "D") == []
    assert names(client, "") == []


def test_a_long_query_is_cut_and_answers(client, member):
    client.force_login(member)
    assert names(client, "Dupont " * 500) == []


def test_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL, {"q": "Dup"})
    assert response.status_code == 302
    assert "/comptes/" in response["Location"]


def test_a_pending_account_is_sent_to_the_waiting_page(client, pending_user, make_person):
    make_person(first_name="Marie", last_name="Dupont")
    client.force_login(pending_user)
    response = client.get(URL, {"q": "Dup"})
    assert response.status_code == 302
    assert response["Location"] == reverse("pending")


def test_only_get_is_allowed(client, member):
    client.force_login(member)
    assert client.post(URL, {"q": "Dup"}).status_code == 405


def test_the_number_of_queries_does_not_depend_on_the_directory_size(
    client, member, make_person, make_position, django_assert_max_num_queries
):
    for number in range(30):
        make_position(person=make_person(first_name=f"P{number}", last_name="Durand"))
    client.force_login(member)
    client.get(URL, {"q": "Durand"})
    with django_assert_max_num_queries(10):
        assert len(names(client, "Durand")) == 10

"""The directory through the API (`read:directory`): what the directory's pages show this
caller, no more; paginated; bounded queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory import services as directory_services
from directory.models import InterestKind, StructureKind, TopicInterest, Visibility
from tests.queries import LARGE, SMALL

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(make_user, make_token, api):
    user = make_user()
    return api(make_token(user, scopes=["read:directory"]).secret)


@pytest.fixture
def castellane(make_structure):
    cc = make_structure(name="CC Alpes Provence Verdon", kind=StructureKind.CC)
    return make_structure(name="Castellane", parent=cc)


def test_people_lists_listed_entries_with_positions_and_never_unlisted_or_erased(
    reader, make_person, make_position, make_user, castellane
):
    shown = make_position(
        person=make_person(first_name="Anne", last_name="Martin"), structure=castellane
    ).person
    make_position(person=make_person(last_name="Caché", is_listed=False), structure=castellane)
    erased_user = make_user()
    make_position(person=make_person(last_name="Effacée", user=erased_user), structure=castellane)
    directory_services.account_erase(user=erased_user)

    body = reader.get("/people").json()

    assert [item["name"] for item in body["items"]] == ["Anne Martin"]
    item = body["items"][0]
    assert item["id"] == shown.pk
    assert item["positions"][0]["function"] == "Secrétaire de mairie"
    assert item["positions"][0]["structure"]["slug"] == "castellane"
    assert reader.get(f"/people/{shown.pk}").status_code == 200


def test_a_person_shows_only_the_contact_details_they_show_members(reader, make_person, make_topic):
    person = make_person(
        first_name="Jean",
        last_name="Dupont",
        email="jean.dupont@mairie.example.org",
        email_visibility=Visibility.MEMBERS,
        phone="04 92 00 00 00",
        phone_visibility=Visibility.HIDDEN,
        bio="Secrétaire depuis 2010.",
    )
    topic = make_topic(name="Urbanisme", slug="urbanisme")
    TopicInterest.objects.create(
        person=person, topic=topic, kind=InterestKind.EXPERTISE, is_confirmed=True
    )

    body = reader.get(f"/people/{person.pk}").json()

    assert body["email"] == "jean.dupont@mairie.example.org"
    assert body["phone"] is None
    assert "04 92" not in str(body)
    assert body["bio"] == "Secrétaire depuis 2010."
    assert body["expertise"] == ["urbanisme"]


def test_an_unlisted_entry_never_leaves_through_the_api_even_to_itself_or_moderators(
    api, make_user, make_token, make_person, make_position, castellane
):
    owner = make_user()
    person = make_position(
        person=make_person(last_name="Discret", is_listed=False, user=owner), structure=castellane
    ).person
    callers = [
        api(make_token(user, scopes=["read:directory"]).secret)
        for user in (make_user(), owner, make_user(roles=["Modérateurs"]))
    ]
    for caller in callers:
        refused = caller.get(f"/people/{person.pk}")
        assert refused.status_code == 404
        assert refused["Content-Type"] == "application/problem+json"
        # The site shows it to moderators; the API, like the CSV export, never lists it.
        assert caller.get("/people").json()["items"] == []
        assert caller.get("/structures/castellane").json()["people"] == []


def test_people_filters_are_the_directory_forms(reader, make_person, make_position, castellane):
    make_position(person=make_person(last_name="Élue"), structure=castellane, kind="elu")
    make_position(person=make_person(last_name="Agent"), structure=castellane, function="DGS")

    def names(**query):
        return [p["name"].split()[-1] for p in reader.get("/people", query).json()["items"]]

    assert names(kind="elu") == ["Élue"]
    assert names(function="dgs") == ["Agent"]
    assert names(cc="cc-alpes-provence-verdon") == ["Agent", "Élue"]
    assert names(q="elue") == ["Élue"]
    refused = reader.get("/people", {"structure": "nulle-part"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["query", "structure"]


def test_people_are_paginated_by_a_signed_cursor(reader, make_person):
    for n in range(5):
        make_person(last_name=f"Nom{n}")
    first = reader.get("/people", {"limit": 2}).json()
    names = [p["name"] for p in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = reader.get("/people", {"limit": 2, "cursor": cursor}).json()
        names += [p["name"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert len(names) == 5 and len(set(names)) == 5
    tampered = reader.get("/people", {"cursor": first["next_cursor"][:-2] + "xx"})
    assert tampered.status_code == 400
    assert tampered.json()["code"] == "cursor_invalid"


def test_structures_list_and_detail(reader, make_person, make_position, castellane):
    make_position(person=make_person(last_name="Martin"), structure=castellane)

    listed = {s["slug"]: s for s in reader.get("/structures").json()["items"]}
    assert set(listed) == {"castellane", "cc-alpes-provence-verdon"}
    assert listed["castellane"]["parent"] == "cc-alpes-provence-verdon"
    assert [s["slug"] for s in reader.get("/structures", {"kind": "cc"}).json()["items"]] == [
        "cc-alpes-provence-verdon"
    ]
    cc = reader.get("/structures/cc-alpes-provence-verdon").json()
    assert [child["slug"] for child in cc["children"]] == ["castellane"]
    detail = reader.get("/structures/castellane").json()
    assert [p["name"].split()[-1] for p in detail["people"]] == ["Martin"]
    assert reader.get("/structures/inconnue").status_code == 404


def test_the_directory_needs_its_own_scope_and_a_member(api, make_user, make_token, settings):
    settings.PUBLIC_READ = True
    reader_only = api(make_token(make_user(), scopes=["read"]).secret)
    refused = reader_only.get("/people")
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"
    assert api().get("/people").status_code == 401


def _count(client, path):
    client.get(path)  # the token's first use of the minute writes its last use
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, {"limit": 20})  # under LARGE: a full page, and a next one
    assert response.status_code == 200
    return len(context.captured_queries)


def test_directory_queries_do_not_grow_with_people(
    reader, make_person, make_position, make_topic, castellane
):
    topic = make_topic(name="Voirie", slug="voirie")

    def grow(count):
        for _ in range(count):
            person = make_position(person=make_person(), structure=castellane).person
            make_position(person=person, function="Adjoint", kind="elu")
            TopicInterest.objects.create(person=person, topic=topic, kind=InterestKind.INTEREST)

    grow(SMALL)
    small = [_count(reader, path) for path in ("/people", "/structures", "/structures/castellane")]
    person_id = make_person().pk
    detail_small = _count(reader, f"/people/{person_id}")
    grow(LARGE - SMALL)
    large = [_count(reader, path) for path in ("/people", "/structures", "/structures/castellane")]
    assert large == small
    assert _count(reader, f"/people/{person_id}") == detail_small
    assert max(large) <= 8

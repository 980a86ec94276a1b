"""The directory runs a bounded number of queries whatever the number of people."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify

from directory.forms import DirectorySearchForm
from directory.models import (
    InterestKind,
    Person,
    Position,
    PositionKind,
    Structure,
    StructureKind,
    TopicInterest,
)
from directory.text import person_key
from taxonomy.widgets import PlainSelect
from tests import factories
from tests.module_transaction import module_transaction

pytestmark = pytest.mark.django_db

PEOPLE, STRUCTURES = 5000, 300
MAX_QUERIES = 20


@pytest.fixture(scope="class")
def big_directory(django_db_setup, django_db_blocker):
    """5,000 people in 300 structures, built once for the class that reads them (about half a
    second of CPU each time) inside a transaction rolled back at its end; each test runs in a
    savepoint of its own, so every test starts from this same state. A class, not the module:
    the 3-people directory's test must never see these people, whatever the order."""
    with module_transaction(django_db_blocker):
        yield _build_big_directory()


def _build_big_directory():
    topics = [factories.TopicFactory(name=f"Sujet {index}") for index in range(5)]
    ccs = Structure.objects.bulk_create(
        Structure(name=f"CC Test {index}", slug=f"cc-test-{index}", kind=StructureKind.CC)
        for index in range(10)
    )
    communes = Structure.objects.bulk_create(
        Structure(
            name=f"Commune Test {index}",
            slug=slugify(f"Commune Test {index}"),
            kind=StructureKind.COMMUNE,
            parent=ccs[index % len(ccs)],
        )
        for index in range(STRUCTURES - len(ccs))
    )
    structures = ccs + communes
    people = Person.objects.bulk_create(
        Person(
            first_name=f"Prénom{index}",
            last_name=f"Nom{index:05d}",
            search_name=person_key(f"Prénom{index}", f"Nom{index:05d}"),
            email=f"p{index}@example.org",
        )
        for index in range(PEOPLE)
    )
    Position.objects.bulk_create(
        Position(
            person=person,
            structure=structures[index % len(structures)],
            function="Secrétaire de mairie" if index % 2 else "Maire",
            kind=PositionKind.AGENT if index % 2 else PositionKind.ELU,
        )
        for index, person in enumerate(people)
        for _ in range(1 + index % 2)
    )
    TopicInterest.objects.bulk_create(
        TopicInterest(
            person=person,
            topic=topics[index % len(topics)],
            kind=InterestKind.EXPERTISE if index % 7 == 0 else InterestKind.INTEREST,
        )
        for index, person in enumerate(people)
    )
    viewer = factories.UserFactory()
    Person.objects.filter(pk=people[1].pk).update(user=viewer)
    return {"viewer": viewer, "topic": topics[0], "cc": ccs[3], "commune": communes[5]}


# A member's plain directory page (issue 16), read again with no write in between: the session,
# the user (with groups, TOTP, unread count); the filters and the page of people come from the
# shared fragments (the cache's own reads are not SQL here). The first request after a write
# renders them: the paginator's count, topics, the CCs and structures, the people, their
# positions. The same with 3 people and with 5,000.
DIRECTORY_MEMBER_QUERIES = 2
DIRECTORY_MEMBER_QUERIES_AFTER_A_WRITE = 8


def assert_the_member_page_queries(client, viewer):
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as context:
        assert client.get("/annuaire/").status_code == 200
    assert len(context.captured_queries) == DIRECTORY_MEMBER_QUERIES_AFTER_A_WRITE
    for query in ("", "?page=2"):
        client.get("/annuaire/" + query)
        with CaptureQueriesContext(connection) as context:
            assert client.get("/annuaire/" + query).status_code == 200
        assert len(context.captured_queries) == DIRECTORY_MEMBER_QUERIES


def test_a_members_directory_page_of_3_people_runs_the_member_page_queries(
    client, make_topic, make_user, make_person, make_position, make_structure
):
    make_topic(name="Sujet 0")
    commune = make_structure(name="Commune Seule")
    for index in range(3):
        make_position(person=make_person(last_name=f"Nom{index}"), structure=commune)
    assert_the_member_page_queries(client, make_user())


class TestAFullDirectory:
    """The pages over `big_directory`'s 5,000 people."""

    @pytest.mark.parametrize(
        "query",
        [
            "",
            "?q=prenom12",
            "?q=nom0",
            "?sujet=sujet-0",
            "?sujet=sujet-0&cc=cc-test-5&pres_de_moi=on",
            "?type=elu&fonction=maire&page=3",
            "?structure=commune-test-5",
        ],
    )
    def test_the_directory_list_and_search_run_a_bounded_number_of_queries(
        self, client, big_directory, django_assert_max_num_queries, query
    ):
        client.force_login(big_directory["viewer"])
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get("/annuaire/" + query)
        assert response.status_code == 200
        assert response.content.decode().count('class="person-card"') > 0

    def test_a_structure_page_and_the_export_run_a_bounded_number_of_queries(
        self, client, big_directory, make_user, django_assert_max_num_queries
    ):
        client.force_login(make_user(roles=["Modérateurs"]))
        with django_assert_max_num_queries(MAX_QUERIES):
            assert client.get("/annuaire/structures/cc-test-3/").status_code == 200
        with django_assert_max_num_queries(MAX_QUERIES):
            assert client.get("/annuaire/structures/").status_code == 200
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get("/annuaire/export.csv?cc=cc-test-3")
        assert response.content.decode("utf-8-sig").count("\r\n") > 500

    def test_a_members_directory_page_of_5000_people_runs_the_member_page_queries(
        self, client, big_directory
    ):
        assert_the_member_page_queries(client, big_directory["viewer"])

    def test_the_structure_filters_render_as_djangos_own_select_would(self, big_directory):
        """`PlainSelect` writes Django's markup without its per-option templates (issue 16)."""
        form = DirectorySearchForm({"structure": "commune-test-5", "cc": "cc-test-3"})
        assert form.is_valid()
        for name in ("cc", "structure"):
            bound = form[name]
            assert isinstance(bound.field.widget, PlainSelect)
            djangos = forms.Select(attrs=bound.field.widget.attrs, choices=bound.field.choices)
            plain = str(bound)
            assert plain.count("<option") == len(bound.field.choices) > 10
            assert " selected>" in plain
            assert plain == str(bound.as_widget(widget=djangos))

"""The directory page's shared fragments (issue 16): the filters' selects and the page of people
are kept until the next write, per role class, language, filters and page; nothing one viewer
may see reaches a viewer who may not (docs/architecture.md « Caches »)."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from directory import services
from directory.models import InterestKind, Person, StructureKind, TopicInterest
from directory.roles import MODERATORS

pytestmark = pytest.mark.django_db

URL = "/annuaire/"


@pytest.fixture
def directory(make_person, make_position, make_structure, make_topic):
    cc = make_structure(name="CC du Verdon", kind=StructureKind.CC)
    commune = make_structure(name="Castellane", parent=cc)
    other = make_structure(name="Annot")
    listed = make_person(first_name="Alice", last_name="Martin")
    make_position(person=listed, structure=commune, function="Maire")
    unlisted = make_person(first_name="Bruno", last_name="Caché", is_listed=False)
    make_position(person=unlisted, structure=commune, function="Adjoint")
    topic = make_topic(name="Voirie")
    return {
        "cc": cc,
        "commune": commune,
        "other": other,
        "listed": listed,
        "unlisted": unlisted,
        "topic": topic,
    }


def page(client, url=URL, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def person_queries(client, url=URL):
    """The queries of one request that read people or structures (none on a cache hit)."""
    with CaptureQueriesContext(connection) as context:
        page(client, url)
    return [
        query["sql"]
        for query in context.captured_queries
        if "directory_person" in query["sql"] or "directory_structure" in query["sql"]
    ]


def test_the_second_request_reads_no_person_and_no_structure(client, member, directory):
    client.force_login(member)
    first = page(client)
    assert "Alice" in first and "Castellane" in first
    assert person_queries(client) == []


def test_a_name_a_position_and_a_structure_change_show_on_the_next_request(
    client, member, directory
):
    client.force_login(member)
    page(client)
    Person.objects.filter(pk=directory["listed"].pk).update(first_name="Alicia")
    directory["listed"].positions.update(function="Secrétaire générale")
    assert "Alicia" in (html := page(client)) and "Secrétaire générale" in html
    directory["listed"].positions.update(structure=directory["other"])
    directory["commune"].__class__.objects.filter(pk=directory["other"].pk).update(
        name="Annot-sur-Vaïre"
    )
    html = page(client)
    assert html.count("Annot-sur-Vaïre") == 2  # the person's row and the structure filter


def test_a_new_person_and_a_new_topic_show_on_the_next_request(
    client, member, directory, make_person, make_topic
):
    client.force_login(member)
    assert "1 personne" in page(client)
    make_person(first_name="Chloé", last_name="Nouvelle")
    make_topic(name="Assainissement")
    html = page(client)
    assert "Chloé" in html and "2 personnes" in html
    assert '<option value="assainissement">Assainissement</option>' in html


def test_a_confirmed_expertise_shows_on_the_next_request(client, member, moderator, directory):
    TopicInterest.objects.create(
        person=directory["listed"], topic=directory["topic"], kind=InterestKind.INTEREST
    )
    request = TopicInterest.objects.create(
        person=directory["listed"],
        topic=directory["topic"],
        kind=InterestKind.EXPERTISE,
        is_confirmed=False,
    )
    url = f"{URL}?sujet={directory['topic'].slug}"
    client.force_login(member)
    assert "Alice" in page(client, url) and "expert du sujet" not in page(client, url)
    services.expertise_confirm(link=request, confirmed_by=moderator)
    assert "expert du sujet" in page(client, url)


def logged_in(*users):
    """A client per user, all logged in before any page is read: a login is a write (the
    last login date), which would make every next request render afresh."""
    clients = []
    for user in users:
        clients.append(Client())
        clients[-1].force_login(user)
    return clients


def test_a_member_never_gets_the_moderators_page_nor_the_reverse(member, moderator, directory):
    for_member, for_moderator = logged_in(member, moderator)
    html = page(for_moderator)
    assert "Bruno" in html and "non listé" in html
    assert "Bruno" not in page(for_member)
    assert "Bruno" in page(for_moderator)
    assert person_queries(for_member) == [] and person_queries(for_moderator) == []


def test_a_role_change_shows_on_the_next_request(client, member, directory):
    client.force_login(member)
    assert "Bruno" not in page(client)
    member.groups.add(Group.objects.get(name=MODERATORS))
    assert "Bruno" in page(client)
    member.groups.clear()
    assert "Bruno" not in page(client)


def test_a_language_switch_shows_on_the_next_request(client, member, directory):
    client.force_login(member)
    assert "Toutes les structures" in page(client) and "1 personne" in page(client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page(client)
    assert "All organisations" in html and "1 person<" in html
    assert "Toutes les structures" not in html


def test_near_me_rows_belong_to_the_viewers_home(make_user, make_person, make_position, directory):
    """« près de chez vous » marks the people of the viewer's own CC: two viewers of two CCs
    asking the same address each see their own marks."""
    near_viewer, far_viewer = make_user(), make_user()
    make_position(person=make_person(user=near_viewer), structure=directory["commune"])
    make_position(person=make_person(user=far_viewer), structure=directory["other"])
    near, far = logged_in(near_viewer, far_viewer)
    url = f"{URL}?pres_de_moi=on"

    def alice_heading(client):
        html = page(client, url)
        alice = html[html.index("Alice Martin") :]
        return alice[: alice.index("</h3>")]

    assert "près de chez vous" in alice_heading(near)
    assert "près de chez vous" not in alice_heading(far)
    assert "près de chez vous" in alice_heading(near)


def test_the_selected_filter_and_the_pagination_follow_the_address(client, member, directory):
    client.force_login(member)
    page(client)
    html = page(client, f"{URL}?structure={directory['commune'].slug}&q=alice")
    assert f'<option value="{directory["commune"].slug}" selected>' in html
    assert 'value="alice"' in html
    html = page(client, f"{URL}?structure=inconnue")
    assert "Sélectionnez un choix valide" in html
    assert f'<option value="{directory["commune"].slug}">' in html


def test_the_htmx_results_use_the_same_rows(client, member, directory):
    client.force_login(member)
    full = page(client, f"{URL}?q=martin")
    html = page(client, f"{URL}?q=martin", HTTP_HX_REQUEST="true")
    assert html.lstrip().startswith('<div id="resultats"')
    assert "Alice" in html and "<select" not in html
    rows = html[html.index('<h2 id="results-title">') :]
    assert rows[: rows.index("</div>")] in full

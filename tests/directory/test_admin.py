"""Moderators keep structures and competences in the Wagtail admin; members cannot."""

import pytest
from django.utils.text import slugify

from directory.models import Competence, Structure

pytestmark = pytest.mark.django_db


def new_structure(name, *, parent, website=""):
    """The admin's « new structure » form, filled in: a partner under `parent`."""
    return {
        "name": name,
        "slug": slugify(name),
        "kind": "partenaire",
        "parent": parent.pk,
        "address": "",
        "phone": "",
        "website": website,
        "population": "",
    }


def test_a_moderator_creates_a_structure_and_records_a_competence(
    client, moderator, territory, make_topic
):
    topic = make_topic(name="Culture")
    client.force_login(moderator)
    assert client.get("/admin/structures/?q=moyen").status_code == 200
    response = client.post(
        "/admin/structures/new/",
        new_structure("CCAS de Castellane", parent=territory["Castellane"]),
    )
    assert response.status_code == 302
    assert Structure.objects.get(slug="ccas-de-castellane").parent == territory["Castellane"]
    response = client.post(
        "/admin/competences/new/",
        {
            "structure": territory["Castellane"].pk,
            "topic": topic.pk,
            "since": "",
            "legal_basis": "Compétence restée communale",
            "contact": "",
        },
    )
    assert response.status_code == 302
    assert Competence.objects.get(topic=topic).structure == territory["Castellane"]


def test_members_cannot_edit_structures(client, member, territory):
    client.force_login(member)
    response = client.get("/admin/structures/")
    assert response.status_code in (302, 403)
    assert Structure.objects.count() == len(territory)


def test_a_website_typed_without_a_scheme_is_stored_with_https(client, moderator, territory):
    """As in Wagtail's page forms: « www.… » becomes « https://www.… », not « http:// »."""
    client.force_login(moderator)
    response = client.post(
        "/admin/structures/new/",
        new_structure(
            "Office de tourisme du Verdon",
            parent=territory["Castellane"],
            website="www.tourisme-verdon.example.org",
        ),
    )
    assert response.status_code == 302
    structure = Structure.objects.get(slug="office-de-tourisme-du-verdon")
    assert structure.website == "https://www.tourisme-verdon.example.org"

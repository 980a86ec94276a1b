"""Directory pages: members only, no-store, contact visibility, filters, own entry."""

import pytest

from directory.models import InterestKind, Person, Position, PositionKind, TopicInterest, Visibility
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

DIRECTORY_URLS = [
    "/annuaire/",
    "/annuaire/structures/",
    "/annuaire/moi/",
    "/annuaire/moi/donnees/",
    "/annuaire/moi/effacer/",
]


@pytest.fixture
def person(make_person, make_position, territory):
    person = make_person(
        first_name="Corentin",
        last_name="Achardier",
        email="corentin@example.org",
        email_visibility=Visibility.MEMBERS,
        phone="04 92 00 00 01",
        phone_visibility=Visibility.HIDDEN,
        bio="Marchés publics de la CC.",
    )
    make_position(
        person=person,
        structure=territory["CC Moyen Verdon"],
        function="Responsable de la commande publique",
    )
    return person


@pytest.mark.parametrize("url", DIRECTORY_URLS)
def test_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/comptes/login/")


def test_visitors_see_nothing_of_a_person_or_a_structure(client, person, territory):
    for url in (person.get_absolute_url(), territory["Castellane"].get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert "Achardier" not in response.content.decode()


def test_pending_accounts_see_the_waiting_page(client, pending_user, person):
    client.force_login(pending_user)
    assert client.get(person.get_absolute_url()).url == "/compte/en-attente/"


@pytest.mark.parametrize("url", DIRECTORY_URLS)
def test_directory_pages_are_never_stored_by_caches(client, member, url):
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_person_page_shows_positions_and_only_contact_details_made_visible(
    client, member, person
):
    client.force_login(member)
    response = client.get(person.get_absolute_url())
    html = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "Responsable de la commande publique" in html
    assert "corentin@example.org" in html
    assert "04 92 00 00 01" not in html


def test_the_vcard_holds_only_what_members_may_see(client, member, person):
    client.force_login(member)
    response = client.get(f"/annuaire/personnes/{person.pk}/vcard/")
    card = response.content.decode()
    assert response["Content-Type"].startswith("text/vcard")
    assert "FN:Corentin Achardier" in card
    assert "EMAIL;TYPE=INTERNET,WORK:corentin@example.org" in card
    assert "TEL" not in card
    assert "no-store" in response["Cache-Control"]


def test_ask_this_person_links_to_the_ask_form_when_they_have_an_account(
    client, member, person, make_user
):
    client.force_login(member)
    assert "destinataire=" not in client.get(person.get_absolute_url()).content.decode()
    person.user = make_user()
    person.save()
    html = client.get(person.get_absolute_url()).content.decode()
    assert f'href="/questions/poser/?destinataire={person.pk}"' in html
    assert "Poser une question à cette personne" in html


def test_unlisted_people_are_hidden_from_members_but_kept_for_moderators(
    client, member, moderator, person
):
    person.is_listed = False
    person.save()
    client.force_login(member)
    assert "Achardier" not in client.get("/annuaire/").content.decode()
    assert client.get(person.get_absolute_url()).status_code == 404
    client.force_login(moderator)
    assert "Achardier" in client.get("/annuaire/").content.decode()
    assert client.get(person.get_absolute_url()).status_code == 200


def test_the_directory_filters_by_name_without_accents_topic_cc_function_and_kind(
    client, member, person, territory, make_person, make_position, make_topic
):
    topic = make_topic(name="Commande publique")
    TopicInterest.objects.create(person=person, topic=topic, kind=InterestKind.EXPERTISE)
    elu = make_person(first_name="Hélène", last_name="Élu-Test")
    make_position(person=elu, structure=territory["Castellane"], function="Maire", kind="elu")
    other = make_person(first_name="Autre", last_name="Ailleurs")
    make_position(person=other, structure=territory["Annot"], function="Secrétaire de mairie")
    client.force_login(member)

    def names(query):
        html = client.get("/annuaire/?" + query).content.decode()
        return {name for name in ("Achardier", "Élu-Test", "Ailleurs") if name in html}

    assert names("q=helene+elu") == {"Élu-Test"}
    assert names("sujet=commande-publique&cc=cc-moyen-verdon") == {"Achardier"}
    assert names("cc=cc-moyen-verdon") == {"Achardier", "Élu-Test"}
    assert names("structure=castellane") == {"Élu-Test"}
    assert names("fonction=secr") == {"Ailleurs"}
    assert names("type=elu") == {"Élu-Test"}


def test_near_me_lists_people_of_my_cc_first(
    client, make_user, territory, make_person, make_position
):
    viewer = make_user()
    me = make_person(user=viewer, first_name="Moi", last_name="Moi")
    make_position(person=me, structure=territory["Annot"])
    far = make_person(first_name="Aaa", last_name="Aaaloin")
    make_position(person=far, structure=territory["Rougon"])
    near = make_person(first_name="Zzz", last_name="Zzzproche")
    make_position(person=near, structure=territory["Braux"])
    client.force_login(viewer)
    html = client.get("/annuaire/?pres_de_moi=on").content.decode()
    assert html.index("Zzzproche") < html.index("Aaaloin")
    html = client.get("/annuaire/").content.decode()
    assert html.index("Aaaloin") < html.index("Zzzproche")


def test_htmx_search_returns_only_the_results_fragment(client, member, person):
    client.force_login(member)
    response = client.get("/annuaire/?q=achardier", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="resultats"' in html and "<html" not in html
    assert "Achardier" in html


def test_a_structure_page_shows_people_competences_and_member_structures(
    client, member, person, territory, make_topic
):
    from directory.models import Competence

    topic = make_topic(name="Promotion touristique")
    Competence.objects.create(
        structure=territory["CC Moyen Verdon"], topic=topic, contact=person, legal_basis="NOTRe"
    )
    client.force_login(member)
    response = client.get("/annuaire/structures/cc-moyen-verdon/")
    html = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "Achardier" in html and "Promotion touristique" in html
    assert "Castellane" in html and "Barrême" in html


def test_the_structure_list_groups_communes_under_their_cc(client, member, territory):
    client.force_login(member)
    html = client.get("/annuaire/structures/").content.decode()
    assert html.index("CC Moyen Verdon") < html.index("Rougon")
    assert "SYDEVOM" in html


def test_a_member_without_entry_can_create_it(client, member):
    client.force_login(member)
    assert "Créer ma fiche" in client.get("/annuaire/moi/").content.decode()
    assert client.get("/annuaire/moi/creer/").status_code == 405
    client.post("/annuaire/moi/creer/")
    person = Person.objects.get(user=member)
    assert person.last_name == member.last_name and person.email == member.email


def profile_post(person, **overrides):
    data = {
        "fiche-first_name": person.first_name,
        "fiche-last_name": person.last_name,
        "fiche-bio": "Je gère les marchés.",
        "fiche-email": "moi@example.org",
        "fiche-email_visibility": "members",
        "fiche-phone": "04 92 00 00 02",
        "fiche-phone_visibility": "hidden",
        "fiche-is_listed": "on",
        "fonctions-TOTAL_FORMS": "1",
        "fonctions-INITIAL_FORMS": "0",
        "fonctions-MIN_NUM_FORMS": "0",
        "fonctions-MAX_NUM_FORMS": "20",
    }
    data.update(overrides)
    return data


def test_a_member_edits_their_own_entry_topics_and_positions(
    client, member, territory, make_person, make_topic
):
    person = make_person(user=member)
    culture, finances = make_topic(name="Culture"), make_topic(name="Finances")
    client.force_login(member)
    # The post makes the e-mail visible: that needs a recent re-authentication.
    client.post("/comptes/reauthenticate/", {"password": TEST_PASSWORD})
    response = client.post(
        "/annuaire/moi/",
        profile_post(
            person,
            **{
                "sujets-interests": [culture.pk],
                "sujets-expertise": [finances.pk],
                "fonctions-0-structure": territory["Barrême"].pk,
                "fonctions-0-function": "Secrétaire de mairie",
                "fonctions-0-kind": "agent",
            },
        ),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.bio == "Je gère les marchés." and person.consent_at is not None
    assert person.positions.get().structure == territory["Barrême"]
    assert person.topic_links.get(kind=InterestKind.INTEREST).topic == culture
    request = person.topic_links.get(kind=InterestKind.EXPERTISE)
    assert request.topic == finances and not request.is_confirmed


def test_profile_errors_are_shown_next_to_their_field(client, member, make_person, territory):
    person = make_person(user=member)
    client.force_login(member)
    response = client.post(
        "/annuaire/moi/",
        profile_post(
            person,
            **{
                "fiche-email": "pas-une-adresse",
                "fonctions-0-structure": territory["Barrême"].pk,
                "fonctions-0-function": "Maire",
                "fonctions-0-kind": "elu",
                "fonctions-0-start_date": "2024-01-01",
                "fonctions-0-end_date": "2020-01-01",
            },
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true"' in html
    assert "La fin ne peut pas précéder le début." in html
    assert not Position.objects.exists()


def test_a_moderator_confirms_an_expertise_request_and_the_member_becomes_expert(
    client, moderator, member, make_person, make_topic
):
    person = make_person(user=member)
    topic = make_topic(name="Finances")
    link = TopicInterest.objects.create(
        person=person, topic=topic, kind=InterestKind.EXPERTISE, is_confirmed=False
    )
    client.force_login(member)
    assert client.get("/annuaire/expertises/").status_code == 403
    client.force_login(moderator)
    assert person.last_name in client.get("/annuaire/expertises/").content.decode()
    client.post(f"/annuaire/expertises/{link.pk}/confirmer/")
    link.refresh_from_db()
    assert link.is_confirmed
    assert member.groups.filter(name="Experts").exists()


def test_moderators_export_the_filtered_list_as_csv_without_hidden_contacts(
    client, moderator, member, person, make_person, make_position, territory
):
    injected = make_person(first_name="=HYPERLINK(1)", last_name="Piège")
    make_position(person=injected, structure=territory["Castellane"], kind=PositionKind.ELU)
    client.force_login(member)
    assert client.get("/annuaire/export.csv").status_code == 403
    client.force_login(moderator)
    response = client.get("/annuaire/export.csv?cc=cc-moyen-verdon")
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    assert "Achardier;CC Moyen Verdon" in text
    assert "corentin@example.org" in text and "04 92 00 00 01" not in text
    assert "'=HYPERLINK(1)" in text


def test_the_export_can_be_imported_back(client, moderator, person, territory):
    from directory import services

    client.force_login(moderator)
    text = client.get("/annuaire/export.csv").content.decode("utf-8-sig")
    report = services.directory_import(text=text, dry_run=True)
    assert not report.has_errors, report.as_text()
    assert report.counts["people_created"] == 0

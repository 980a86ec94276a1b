"""Shared needs journey (issue 19, item 1): a coordinator opens « Besoins partagés » from the
header, narrows it to a CC with the keyboard-usable filter form, finds the need most communes
share (two threads in other words, met through the search engine) and proposes it for the
agenda."""

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import expect

from directory.models import StructureKind
from qa import services as qa_services
from qa.agenda.models import Proposal
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD
from website.search.backends import reset_backends

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SNOW = "Déneigement groupé entre communes voisines"
SALT = "Achat de sel en commun"


@pytest.fixture
def search_index(settings, tmp_path):
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = str(tmp_path / "search")
    reset_backends()
    yield
    reset_backends()


def test_a_coordinator_finds_the_most_shared_need_and_proposes_it_for_the_agenda(
    search_index, new_page, axe, make_user, make_topic, make_structure, make_person, make_position
):
    cache.clear()
    roads = make_topic(name="Voirie", slug="voirie")
    make_topic(name="Finances", slug="finances")
    cc = make_structure(name="CC du Haut-Verdon", slug="cc-haut-verdon", kind=StructureKind.CC)

    def member_of(name, **kwargs):
        user = make_user(**kwargs)
        commune = make_structure(name=name, parent=cc)
        make_position(person=make_person(user=user), structure=commune)
        return user

    allos, colmars, beauvezer = member_of("Allos"), member_of("Colmars"), member_of("Beauvezer")
    coordinator = make_user(
        roles=["Modérateurs"], email="coordinatrice@example.org", first_name="Chloé"
    )
    snow = qa_services.question_create(
        author=allos,
        title=SNOW,
        body="Nous voudrions acheter le sel à plusieurs pour l'hiver prochain.",
        topics=[roads],
    )
    qa_services.question_create(
        author=colmars,
        title=SALT,
        body="Pour le déneigement des routes, un groupement de commandes est-il possible ?",
        topics=[roads],
    )
    qa_services.question_create(
        author=beauvezer,
        title="Quel logiciel pour la paie des agents ?",
        body="Nous changeons de logiciel.",
        topics=[roads],
    )
    qa_services.same_problem_toggle(user=beauvezer, question=snow)
    call_command("search_rebuild", verbosity=0)

    page = new_page()
    login(page, coordinator.email, TEST_PASSWORD)
    page.get_by_role("link", name="Besoins partagés").click()
    page.wait_for_url("**/besoins-partages/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Besoins partagés")
    axe(page)

    # The filters: a GET form whose button the keyboard reaches.
    page.get_by_label("Communauté de communes").select_option(label="CC du Haut-Verdon")
    page.get_by_label("Période").select_option(label="Les 12 derniers mois")
    page.get_by_role("button", name="Filtrer").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"cc=cc-haut-verdon"))
    axe(page)

    clusters = page.locator("section", has=page.locator("#needs-clusters"))
    first = clusters.locator(".needs-list > li").first
    expect(first.get_by_role("heading", level=3)).to_have_text(SNOW)
    expect(first).to_contain_text("3 communes concernées")
    expect(first.get_by_role("link", name=SALT)).to_be_visible()
    expect(page.locator(".chart-table")).to_be_visible()

    first.get_by_role("link", name=f"Proposer « {SNOW} » à l'ordre du jour").click()
    page.wait_for_url("**/ordre-du-jour/proposer/**")
    axe(page)
    expect(page.get_by_label("Sujet proposé")).to_have_value(SNOW)  # filled in by the button
    page.get_by_label("Pourquoi c'est important").fill(
        "Trois communes du Haut-Verdon achètent chacune leur sel de déneigement."
    )
    expect(page.get_by_label("Voirie")).to_be_checked()
    page.get_by_role("button", name="Proposer ce sujet").click()
    page.wait_for_url(re.compile(r"/ordre-du-jour/\d+/$"))
    expect(page.locator("body")).to_contain_text("vous la soutenez déjà")
    axe(page)
    proposal = Proposal.objects.get()
    assert proposal.title == SNOW and list(proposal.topics.all()) == [roads]


def test_a_need_shared_by_many_communes_names_five_and_links_the_others_to_the_csv(
    search_index, new_page, axe, make_user, make_topic, make_structure, make_person, make_position
):
    cache.clear()
    roads = make_topic(name="Voirie", slug="voirie")
    cc = make_structure(name="CC du Haut-Verdon", slug="cc-haut-verdon", kind=StructureKind.CC)
    for n in range(8):
        user = make_user()
        commune = make_structure(name=f"Commune {n}", parent=cc)
        make_position(person=make_person(user=user), structure=commune)
        qa_services.question_create(
            author=user, title=f"Déneigement numéro {n}", body="Texte.", topics=[roads]
        )
    call_command("search_rebuild", verbosity=0)
    reader = make_user(email="lectrice@example.org")

    page = new_page()
    login(page, reader.email, TEST_PASSWORD)
    page.goto("/besoins-partages/?periode=12")
    topics = page.locator("section", has=page.locator("#needs-topics"))
    need = topics.locator(".needs-list > li").first
    expect(need).to_contain_text("8 communes concernées")
    communes = need.locator(".needs-communes")
    expect(communes.get_by_role("link", name="Commune 4")).to_be_visible()
    expect(communes.get_by_role("link", name="Commune 5")).to_have_count(0)
    more = communes.get_by_role("link", name="et 3 autres (liste complète en CSV)")
    expect(more).to_have_attribute("href", "/besoins-partages/export.csv?periode=12")
    axe(page)

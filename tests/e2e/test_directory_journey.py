"""Directory journeys: import a participant list and link an account; find the person who
handles public procurement in CC Moyen Verdon and ask them; export then erase one's data."""

import json
import re
from pathlib import Path

import pytest

from directory import demo as directory_demo
from directory.models import Person, User
from taxonomy import demo as taxonomy_demo
from tests.e2e.conftest import assert_role_groups_migrated, login
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SAMPLE = Path(__file__).resolve().parents[1] / "directory" / "data" / "participants-fictifs.tsv"


@pytest.fixture(autouse=True)
def role_groups(db):
    """The role groups of migration 0002, brought back by the serialized database."""
    assert_role_groups_migrated()


def test_a_moderator_imports_the_participant_list_then_links_a_new_account(
    new_page, axe, make_user
):
    directory_demo.load_structures()
    moderator = make_user(roles=["Modérateurs"], email="moderatrice@example.org")
    newcomer = make_user(
        approved_at=None, email="rh@castellane.example.org", first_name="Xavier", last_name="Brun"
    )
    page = new_page()
    login(page, moderator.email, TEST_PASSWORD)
    page.goto("/annuaire/import/")
    axe(page)
    page.get_by_label("Liste des participants (CSV ou TSV)").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Vérifier le fichier").click()
    page.wait_for_url(re.compile(r"/annuaire/import/\d+/$"))
    assert "Simulation" in page.content()
    assert "adresse e-mail invalide" in page.content()
    assert Person.objects.count() == 0
    axe(page)

    page.get_by_label(re.compile("Importer seulement les lignes valides")).check()
    page.get_by_role("button", name="Importer pour de bon").click()
    page.get_by_text("Import terminé").wait_for()
    axe(page)
    assert Person.objects.count() == 32

    page.goto("/annuaire/comptes-en-attente/")
    axe(page)
    choice = page.get_by_label(
        re.compile(r"Lier à la fiche existante \(même e-mail\) : Xavier Brun")
    )
    assert choice.is_checked()
    page.get_by_role("button", name="Approuver Xavier Brun").click()
    page.get_by_text("est approuvé").wait_for()
    axe(page)
    entry = Person.objects.get(last_name="Brun")
    assert entry.user_id == newcomer.pk
    assert entry.positions.get().structure.name == "Castellane"


def test_a_member_finds_who_handles_public_procurement_in_cc_moyen_verdon_and_asks_them(
    new_page, axe
):
    topics = taxonomy_demo.load()
    directory_demo.load(topics)
    corentin = Person.objects.get(last_name="Achardier")
    page = new_page()
    login(page, f"secretaire@{directory_demo.DEMO_DOMAIN}", directory_demo.DEMO_PASSWORD)
    page.get_by_role("link", name="Annuaire").first.click()
    page.wait_for_url("**/annuaire/")
    axe(page)
    page.get_by_role("combobox", name="Sujet").select_option(label="Commande publique")
    page.get_by_label("Communauté de communes :").select_option(label="CC Moyen Verdon")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r"sujet=commande-publique"))
    results = page.locator("#resultats")
    results.get_by_role("heading", name=re.compile("Experts « Commande publique »")).wait_for()
    axe(page)
    results.locator(".person-card").get_by_role("link", name="Corentin Achardier").click()
    page.wait_for_url(f"**/annuaire/personnes/{corentin.pk}/")
    assert "Responsable de la commande publique" in page.content()
    axe(page)
    page.get_by_role("link", name="Poser une question à cette personne").click()
    page.wait_for_url(f"**/questions/poser/?destinataire={corentin.pk}")
    axe(page)


def test_the_directory_works_on_a_phone(new_page, axe, make_user, make_person):
    member = make_user()
    make_person(user=member, first_name="Camille", last_name="Testeur")
    phone = new_page(viewport={"width": 375, "height": 740})
    login(phone, member.email, TEST_PASSWORD)
    phone.goto("/annuaire/")
    axe(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_person_exports_then_erases_their_data(new_page, axe, make_user, make_person):
    member = make_user(email="camille.testeur@example.org")
    make_person(user=member, first_name="Camille", last_name="Testeur", bio="Bio à exporter")
    page = new_page()
    login(page, member.email, TEST_PASSWORD)
    page.get_by_role("link", name="Mon profil").first.click()
    page.wait_for_url("**/annuaire/moi/")
    axe(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger mes données (JSON)").click()
    data = json.loads(Path(download_info.value.path()).read_text())
    assert data["compte"]["email"] == member.email
    assert data["fiche_annuaire"]["presentation"] == "Bio à exporter"

    page.get_by_role("link", name="Effacer mon compte").click()
    page.wait_for_url("**/annuaire/moi/effacer/")
    axe(page)
    page.get_by_label("Votre mot de passe, pour confirmer").fill("pas le bon")
    page.get_by_role("button", name="Effacer définitivement mon compte").click()
    page.get_by_text("Mot de passe incorrect").wait_for()
    axe(page)
    page.get_by_label("Votre mot de passe, pour confirmer").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Effacer définitivement mon compte").click()
    page.wait_for_url("**/annuaire/compte-efface/")
    axe(page)
    assert not User.objects.filter(email=member.email).exists()
    assert not Person.objects.filter(last_name="Testeur").exists()
    page.goto("/annuaire/")
    assert "/comptes/login/" in page.url

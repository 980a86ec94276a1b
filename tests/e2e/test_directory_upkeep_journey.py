"""A directory that stays true: after the municipal elections, a moderator invites two people
of an imported list and ends the mandate of a mayor who left. axe on every page."""

import datetime
import re

import pytest
from django.core import mail

from directory import demo as directory_demo
from directory.models import Invitation, PositionKind
from tests.e2e.conftest import assert_role_groups_migrated, login
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def role_groups(db):
    """The role groups of migration 0002, brought back by the serialized database."""
    assert_role_groups_migrated()


def test_a_moderator_invites_two_imported_people_and_ends_a_departed_mayors_mandate(
    new_page, axe, make_user, make_person, make_position
):
    structures = directory_demo.load_structures()
    castellane = structures["Castellane"]
    moderator = make_user(roles=["Modérateurs"], email="moderatrice@example.org")
    make_person(first_name="Camille", last_name="Importée", email="camille@mairie.example.org")
    make_person(first_name="Dominique", last_name="Importé", email="dominique@cc.example.org")
    make_person(first_name="Claude", last_name="Pasinvité", email="claude@example.org")
    mayor = make_person(first_name="Marcel", last_name="Sortant")
    mandate = make_position(
        person=mayor,
        structure=castellane,
        function="Maire",
        kind=PositionKind.ELU,
        start_date=datetime.date(2020, 5, 25),
    )

    page = new_page()
    login(page, moderator.email, TEST_PASSWORD)
    page.goto("/annuaire/invitations/")
    axe(page)
    page.get_by_label("Camille Importée — camille@mairie.example.org").check()
    page.get_by_label("Dominique Importé — dominique@cc.example.org").check()
    page.get_by_role("button", name="Inviter les personnes cochées").click()
    page.get_by_text("Invitations envoyées (2)").wait_for()
    axe(page)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "camille@mairie.example.org",
        "dominique@cc.example.org",
    ]
    assert Invitation.objects.count() == 2
    row = page.locator(f"#invitation-{Invitation.objects.get(email__startswith='camille').pk}")
    assert "invitée" in row.inner_text()

    # The invited person opens the link from the e-mail.
    link = re.search(r"/annuaire/invitation/[^\s/]+/", mail.outbox[0].body).group()
    visitor = new_page()
    visitor.goto(link)
    visitor.get_by_role("heading", name="Vous êtes invité·e à rejoindre Entraide").wait_for()
    axe(visitor)

    # The mayor left at the elections: the moderator ends the mandate.
    page.goto(mayor.get_absolute_url())
    page.get_by_role("link", name="Corriger cette fiche (modération)").click()
    page.wait_for_url(f"**/annuaire/personnes/{mayor.pk}/modifier/")
    axe(page)
    form = page.locator(f"#terminer-{mandate.pk}")
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    form.get_by_label("Date de fin").fill(tomorrow.isoformat())
    form.get_by_label(re.compile("Motif")).fill("Élections municipales de mars 2026")
    form.get_by_role("button", name="Terminer cette fonction").click()
    page.get_by_text("ne peut pas être dans le futur").wait_for()
    axe(page)
    form = page.locator(f"#terminer-{mandate.pk}")
    assert form.get_by_label(re.compile("Motif")).input_value() == (
        "Élections municipales de mars 2026"
    )
    form.get_by_label("Date de fin").fill("2026-03-22")
    form.get_by_role("button", name="Terminer cette fonction").click()
    page.get_by_text("est terminée").wait_for()
    assert (
        "Élections municipales de mars 2026"
        in page.locator("section", has_text="Historique").inner_text()
    )
    axe(page)

    page.goto(mayor.get_absolute_url())
    page.get_by_text("ancien·ne maire de Castellane (2020–2026)").wait_for()
    axe(page)
    mandate.refresh_from_db()
    assert mandate.end_date == datetime.date(2026, 3, 22)

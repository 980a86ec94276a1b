"""A supporter is told their subject was discussed and opens the minutes (a CMS page), after a
moderator edited the meeting and marked the subject discussed; axe on every page."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Site

from qa.agenda import services as agenda_services
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD
from website.notifications.kinds import Kind
from website.notifications.models import Notification
from website.pages.models import ContentPage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "Mutualiser le déneigement des routes communales"


def test_a_supporter_is_told_the_subject_was_discussed_and_opens_the_minutes(
    new_page, axe, make_user, make_topic, make_structure
):
    cache.clear()
    cc = make_structure(name="Communauté de communes du Moyen Verdon")
    author = make_user(email="auteure@example.org", first_name="Aude", last_name="Auteure")
    supporter = make_user(email="soutien@example.org", first_name="Basile", last_name="Soutien")
    moderator = make_user(
        roles=["Modérateurs"], email="moderatrice@example.org", first_name="Maëlle"
    )
    proposal = agenda_services.proposal_create(
        author=author,
        title=TITLE,
        rationale="Chaque commune loue sa lame chaque hiver.",
        topics=[make_topic(name="Voirie")],
    )
    agenda_services.proposal_support(proposal=proposal, user=supporter)
    meeting = agenda_services.meeting_create(
        created_by=moderator,
        title="Conseil communautaire d'hiver",
        kind="conseil",
        starts_at=timezone.now() + datetime.timedelta(days=7),
        place="Castellane",
        structure=cc,
    )
    agenda_services.proposal_schedule(proposal=proposal, meeting=meeting, by=moderator)
    minutes = ContentPage(
        title="Compte rendu du conseil d'hiver",
        body="<p>Le conseil retient un groupement de commandes pour le déneigement.</p>",
    )
    Site.objects.get(is_default_site=True).root_page.add_child(instance=minutes)
    minutes.save_revision().publish()

    # The supporter sees the subject among theirs on the home page.
    page = new_page()
    login(page, supporter.email, TEST_PASSWORD)
    page.goto("/")
    expect(page.get_by_role("heading", name="Vos sujets à l'ordre du jour")).to_be_visible()
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    axe(page)

    # A moderator moves the meeting (a date in the past is refused first), then marks the
    # subject discussed with the minutes' page.
    mod = new_page()
    login(mod, moderator.email, TEST_PASSWORD)
    mod.goto(meeting.get_absolute_url())
    axe(mod)
    mod.get_by_role("link", name="Modifier la réunion").click()
    mod.wait_for_url("**/modifier/")
    mod.get_by_label("Lieu").fill("Mairie de Castellane")
    mod.get_by_label("Date et heure").fill("2020-01-10T18:30")
    mod.get_by_role("button", name="Enregistrer les modifications").click()
    expect(mod.locator("body")).to_contain_text("La date de la réunion doit être à venir.")
    expect(mod.get_by_label("Lieu")).to_have_value("Mairie de Castellane")
    axe(mod)
    later = (timezone.localtime() + datetime.timedelta(days=8)).strftime("%Y-%m-%dT18:30")
    mod.get_by_label("Date et heure").fill(later)
    mod.get_by_role("button", name="Enregistrer les modifications").click()
    expect(mod.locator("body")).to_contain_text("La réunion est modifiée.")
    expect(mod.get_by_role("link", name="Ajouter à mon agenda (.ics)")).to_be_visible()
    axe(mod)

    mod.goto(proposal.get_absolute_url())
    minutes_url = mod.evaluate("location.origin") + minutes.url
    mod.get_by_label("Lien vers le compte rendu (facultatif)").fill(minutes_url)
    mod.get_by_role("button", name="Marquer comme débattue").click()
    expect(mod.locator("body")).to_contain_text("marquée comme débattue")
    axe(mod)

    # The supporter is told, opens the notification, then the minutes.
    page.goto("/notifications/")
    expect(page.locator("body")).to_contain_text("Une proposition que vous soutenez a été débattue")
    axe(page)
    # Two notifications for the subject: scheduled, then discussed; open the latter.
    discussed = Notification.objects.get(recipient=supporter, kind=Kind.PROPOSAL_DISCUSSED)
    page.locator(f"#notification-{discussed.pk}").get_by_role("link", name=TITLE).click()
    page.wait_for_url(re.compile(rf"/ordre-du-jour/{proposal.pk}/$"))
    axe(page)
    page.get_by_role("link", name="Lire le compte rendu").click()
    page.wait_for_url(f"**{minutes.url}")
    expect(page.get_by_role("heading", name="Compte rendu du conseil d'hiver")).to_be_visible()
    axe(page)

    # And comments on the subject.
    page.goto(proposal.get_absolute_url())
    page.get_by_label("Votre commentaire").fill("Merci, Thorame-Basse se joint au groupement.")
    page.get_by_role("button", name="Commenter").click()
    expect(page.locator("body")).to_contain_text("Thorame-Basse se joint au groupement.")
    axe(page)

    # Then corrects the comment, and deletes it, with plain forms.
    page.get_by_role("link", name="Modifier le commentaire 1").click()
    page.wait_for_url("**/ordre-du-jour/commentaires/*/modifier/")
    expect(page.get_by_role("heading", name="Modifier le commentaire")).to_be_visible()
    axe(page)
    page.get_by_label("Votre commentaire").fill("")
    page.get_by_role("button", name="Enregistrer le commentaire").click()
    expect(page.locator("body")).to_contain_text("Écrivez votre commentaire.")
    axe(page)
    page.get_by_label("Votre commentaire").fill("Merci, Thorame-Basse et Allons s'y joignent.")
    page.get_by_role("button", name="Enregistrer le commentaire").click()
    expect(page.locator("body")).to_contain_text("Le commentaire est modifié.")
    expect(page.locator("body")).to_contain_text("Thorame-Basse et Allons s'y joignent.")
    expect(page.locator("body")).to_contain_text("Modifié le")
    page.get_by_role("link", name="Supprimer le commentaire 1").click()
    expect(page.get_by_role("heading", name="Supprimer le commentaire")).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Supprimer le commentaire").click()
    expect(page.locator("body")).to_contain_text("Le commentaire est supprimé.")
    expect(page.locator("body")).not_to_contain_text("Allons s'y joignent.")
    axe(page)

"""Attachments in the browser (issue 17): a member attaches a PDF and a photo to an answer
through the real form, sees them under the answer (the photo as a thumbnail), and downloads
the PDF; then removes the photo by editing the answer (the edit form's checkbox), and the
thread lists the PDF alone. axe on the thread with its attachments and on the edit form."""

import pytest
from playwright.sync_api import expect

from qa import services
from qa.models import Answer
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD
from tests.qa.attachment_files import jpeg_with_gps, pdf

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_member_attaches_a_pdf_and_a_photo_to_an_answer(new_page, axe, make_user, make_topic):
    topic = make_topic(name="Voirie", slug="voirie")
    asker = make_user(email="demandeur@example.org")
    member = make_user(email="agent@example.org")
    question = services.question_create(
        author=asker,
        title="Réparer une route communale abîmée par le gel",
        body="Quelle procédure avez-vous suivie pour la réfection ?",
        topics=[topic],
    )

    page = new_page()
    login(page, member.email, TEST_PASSWORD)
    page.goto(question.get_absolute_url())
    page.get_by_role("textbox", name="Votre réponse").fill(
        "Voici notre délibération et une photo du chantier."
    )
    # The answer form's file input (each comment form has its own, with the same label).
    answer_form = page.locator(f"form[action='/questions/{question.pk}/repondre/']")
    answer_form.get_by_label("Pièces jointes (facultatif)").set_input_files(
        [
            {"name": "délibération-voirie.pdf", "mimeType": "application/pdf", "buffer": pdf()},
            {"name": "chantier.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()},
        ]
    )
    page.get_by_role("button", name="Publier la réponse").click()
    expect(page.locator("body")).to_contain_text("Votre réponse est publiée.")

    attachments = page.get_by_role("list", name="2 pièces jointes")
    expect(attachments).to_contain_text("délibération-voirie.pdf")
    expect(attachments).to_contain_text("(PDF, ")
    thumbnail = attachments.locator("img")
    expect(thumbnail).to_have_attribute("loading", "lazy")
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("img => img.naturalWidth") > 0
    axe(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="délibération-voirie.pdf").click()
    assert download.value.suggested_filename == "délibération-voirie.pdf"
    with open(download.value.path(), "rb") as downloaded:
        assert downloaded.read(5) == b"%PDF-"

    # The author removes the photo through the edit form; the PDF stays.
    answer = Answer.objects.get(question=question)
    page.goto(f"/reponses/{answer.pk}/modifier/")
    page.get_by_label("chantier.jpg (piece-jointe:2)").check()
    axe(page)
    page.get_by_role("button", name="Enregistrer la modification").click()
    expect(page.locator("body")).to_contain_text("La modification est enregistrée.")
    remaining = page.get_by_role("list", name="1 pièce jointe")
    expect(remaining).to_contain_text("délibération-voirie.pdf")
    expect(remaining).not_to_contain_text("chantier.jpg")

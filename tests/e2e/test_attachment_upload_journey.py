"""Drag and drop with a progress bar (issue 17, item 1; static/js/attachments.js).

A member drops a program renamed `.pdf`, a PDF and a photo on the answer form: the list shows
them with their numbers; « Insérer dans le texte » writes the photo's reference at the caret.
The server refuses the program: the French reason appears in the page, focused, with the text
and the other files kept. « Retirer » (from the keyboard) takes the program off the list; the
second send shows the progress (announced by the status line) and publishes the answer with
the photo inline. axe runs on the form with its list and with the refusal.
"""

import pytest
from playwright.sync_api import expect

from qa import services
from qa.models import Answer
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD
from tests.qa.attachment_files import pdf, png

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ANSWER = "Voici notre délibération ; la photo du chantier : "

# Every text the status line (role="status") takes, kept across the page change.
RECORD_STATUS = """() => {
  const status = document.querySelector("form[action$='/repondre/'] .qa-upload-status");
  new MutationObserver(() => {
    const seen = JSON.parse(sessionStorage.getItem("statuses") || "[]");
    seen.push(status.textContent);
    sessionStorage.setItem("statuses", JSON.stringify(seen));
  }).observe(status, { childList: true, characterData: true, subtree: true });
}"""

DROP = """([zone, files]) => {
  const transfer = new DataTransfer();
  for (const [name, type, bytes] of files) {
    transfer.items.add(new File([new Uint8Array(bytes)], name, { type }));
  }
  for (const type of ["dragenter", "dragover", "drop"]) {
    const init = { dataTransfer: transfer, bubbles: true, cancelable: true };
    zone.dispatchEvent(new DragEvent(type, init));
  }
}"""


def test_a_member_drops_files_sees_the_progress_and_keeps_the_text_on_refusal(
    new_page, axe, make_user, make_topic
):
    asker = make_user(email="demandeur@example.org")
    member = make_user(email="agent@example.org")
    question = services.question_create(
        author=asker,
        title="Réparer une route communale abîmée par le gel",
        body="Quelle procédure avez-vous suivie pour la réfection ?",
        topics=[make_topic(name="Voirie", slug="voirie")],
    )
    page = new_page()
    login(page, member.email, TEST_PASSWORD)
    page.goto(question.get_absolute_url())
    form = page.locator(f"form[action='/questions/{question.pk}/repondre/']")
    textbox = page.get_by_role("textbox", name="Votre réponse")
    textbox.fill(ANSWER)

    zone = form.locator(".qa-dropzone")
    expect(zone).to_contain_text("Ou glissez-déposez vos fichiers ici.")
    page.evaluate(
        DROP,
        [
            zone.element_handle(),
            [
                ["virus.pdf", "application/pdf", list(b"MZ\x90\x00" + b"\x00" * 200)],
                ["délibération.pdf", "application/pdf", list(pdf())],
                ["chantier.png", "image/png", list(png())],
            ],
        ],
    )
    chosen = form.get_by_role("list", name="Fichiers choisis")
    expect(chosen.get_by_role("listitem")).to_have_count(3)
    expect(chosen).to_contain_text("piece-jointe:3")
    expect(form.locator(".qa-upload-status")).to_have_text("Fichiers choisis : 3.")
    assert form.locator("input[type=file]").evaluate("input => input.files.length") == 3

    textbox.press("End")
    form.get_by_role("button", name="Insérer dans le texte : « chantier.png »").click()
    expect(textbox).to_have_value(ANSWER + "![chantier.png](piece-jointe:3)")
    axe(page)

    form.get_by_role("button", name="Publier la réponse").click()
    problems = form.locator(".qa-upload-problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text(
        "Rien n'a été publié. Votre texte et vos fichiers sont conservés"
    )
    expect(problems).to_contain_text(
        "Le fichier « virus.pdf » est refusé : c'est un programme exécutable."
    )
    expect(problems).to_be_focused()
    expect(textbox).to_have_value(ANSWER + "![chantier.png](piece-jointe:3)")
    assert not Answer.objects.exists()
    axe(page)

    # The keyboard takes the program off the list; focus stays in the list.
    remove = form.get_by_role("button", name="Retirer « virus.pdf »")
    remove.focus()
    page.keyboard.press("Enter")
    expect(chosen.get_by_role("listitem")).to_have_count(2)
    expect(form.locator(".qa-upload-status")).to_have_text("« virus.pdf » est retiré de la liste.")
    expect(form.get_by_role("button", name="Retirer « délibération.pdf »")).to_be_focused()
    # The photo is now the second file: its reference follows.
    expect(chosen).to_contain_text("piece-jointe:2")
    textbox.fill(ANSWER + "![chantier.png](piece-jointe:2)")

    page.evaluate(RECORD_STATUS)
    form.get_by_role("button", name="Publier la réponse").click()
    expect(page.locator("body")).to_contain_text("Votre réponse est publiée.")
    statuses = page.evaluate("JSON.parse(sessionStorage.getItem('statuses') || '[]')")
    assert "Envoi des fichiers : 0 %" in statuses
    assert "Fichiers envoyés, vérification en cours…" in statuses

    answer = Answer.objects.get()
    photo = answer.attachments.get(number=2)
    assert photo.original_name == "chantier.png"
    inline = page.locator(f"#{answer.anchor} img[alt='chantier.png']")
    expect(inline).to_have_attribute("src", f"/pieces-jointes/{photo.pk}/miniature/")
    expect(inline).to_have_js_property("complete", True)
    axe(page)

"""The answer of a form sent by static/js/attachments.js (`X-Entraide-Upload`): its redirect
becomes 204 with `X-Entraide-Location`, so the script opens the page and the flash message
(« Votre réponse est publiée. ») waits for it; a refusal stays the form page (400) whose
French reasons the script shows; a normal submission still gets its redirect."""

import pytest

from qa.models import Answer
from tests.qa.attachment_files import pdf, upload

pytestmark = pytest.mark.django_db

TEXT = "Voici la délibération que notre conseil a prise l'an dernier."


def _answer(client, question, name, content, **headers):
    return client.post(
        f"/questions/{question.pk}/repondre/",
        {"body": TEXT, "submission_token": name, "attachments": [upload(name, content)]},
        **headers,
    )


def test_the_scripts_upload_gets_the_address_and_the_message_waits(client, member, question):
    client.force_login(member)
    response = _answer(client, question, "deliberation.pdf", pdf(), HTTP_X_ENTRAIDE_UPLOAD="1")
    assert response.status_code == 204
    answer = Answer.objects.get()
    assert response["X-Entraide-Location"] == answer.get_absolute_url()
    page = client.get(response["X-Entraide-Location"]).content.decode()
    assert "Votre réponse est publiée." in page


def test_a_refusal_is_the_form_page_with_its_reasons(client, member, question):
    client.force_login(member)
    response = _answer(client, question, "virus.pdf", b"MZ\x90\x00", HTTP_X_ENTRAIDE_UPLOAD="1")
    assert response.status_code == 400
    assert "X-Entraide-Location" not in response
    assert "c&#x27;est un programme exécutable" in response.content.decode()


def test_a_normal_submission_keeps_its_redirect(client, member, question):
    client.force_login(member)
    response = _answer(client, question, "deliberation.pdf", pdf())
    assert response.status_code == 302
    assert "X-Entraide-Location" not in response

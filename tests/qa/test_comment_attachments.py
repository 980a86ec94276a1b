"""Comments carry attachments too (issue 17, item 1): fewer files than a question or an
answer (`QA_ATTACHMENTS_PER_COMMENT`), the same checks, listed under the comment; a refused
file re-shows the thread with the typed comment and the French reason, and stores nothing."""

import re
import uuid

import pytest

from qa.models import Attachment, Comment
from tests.qa.attachment_files import EXE, pdf, png, upload

pytestmark = pytest.mark.django_db


def _comment(client, post_path, *files, body="Voici la photo de la chaussée."):
    return client.post(
        f"{post_path}commenter/",
        {"body": body, "submission_token": uuid.uuid4().hex, "attachments": list(files)},
    )


def test_a_member_attaches_a_photo_to_a_comment_on_a_question(client, member, question):
    client.force_login(member)
    response = _comment(client, f"/questions/{question.pk}/", upload("route.png", png()))
    assert response.status_code == 302
    attachment = Comment.objects.get().attachments.get()
    assert attachment.is_image and attachment.uploader == member
    html = client.get(question.get_absolute_url()).content.decode()
    assert 'aria-label="1 pièce jointe"' in html
    assert f'src="/pieces-jointes/{attachment.pk}/miniature/"' in html
    assert client.get(attachment.get_absolute_url()).status_code == 200


def test_a_comment_on_an_answer_lists_its_document(client, member, question, make_answer):
    answer = make_answer(question=question)
    client.force_login(member)
    response = _comment(client, f"/reponses/{answer.pk}/", upload("arrêté.pdf", pdf()))
    assert response.status_code == 302
    document = Attachment.objects.get(comment__answer=answer)
    html = client.get(question.get_absolute_url()).content.decode()
    comment_html = html.split(f'id="commentaire-{document.comment_id}"')[1].split("</li>\n")[0]
    assert f'href="{document.get_absolute_url()}" download' in html
    assert "arrêté.pdf" in html and "qa-attachments" in comment_html


def test_the_comment_form_is_multipart_with_a_file_input(client, member, question):
    client.force_login(member)
    html = client.get(question.get_absolute_url()).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'id="comment-question-files" name="attachments" multiple' in html
    assert "Jusqu&#x27;à 3 fichiers de 15 Mo chacun" in html


def test_a_refused_file_keeps_the_comment_text(client, member, question):
    client.force_login(member)
    response = _comment(
        client, f"/questions/{question.pk}/", upload("plan.pdf", EXE), body="Mon commentaire"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Le fichier « plan.pdf » est refusé : c&#x27;est un programme exécutable." in html
    assert "choisissez à nouveau les fichiers" in html
    assert "Mon commentaire</textarea>" in html
    assert 'aria-invalid="true"' in html
    assert not Comment.objects.exists() and not Attachment.objects.exists()


def test_a_comment_takes_fewer_files_than_an_answer(client, settings, member, question):
    settings.QA_ATTACHMENTS_PER_COMMENT = 2
    client.force_login(member)
    files = [upload(f"photo-{n}.png", png()) for n in range(3)]
    response = _comment(client, f"/questions/{question.pk}/", *files, body="Trois photos")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Vous pouvez joindre au plus 2 fichiers à un message (3 choisis)." in html
    assert "Trois photos</textarea>" in html
    assert not Comment.objects.exists()


def test_the_comment_paths_get_the_comment_body_limit(settings):
    pattern = settings.COMMENT_ATTACHMENT_BODY_PATH_PATTERN
    assert re.match(pattern, "/questions/12/commenter/")
    assert re.match(pattern, "/reponses/7/commenter/")
    assert re.match(pattern, "/commentaires/7/modifier/")  # an edit may add files too
    assert re.match(settings.ATTACHMENT_BODY_PATH_PATTERN, "/reponses/7/modifier/")
    assert not re.match(settings.ATTACHMENT_BODY_PATH_PATTERN, "/questions/12/commenter/")

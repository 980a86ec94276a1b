"""The site refuses request bodies over a documented size before anything reads them.

`website.middleware.RequestBodyLimitMiddleware` compares `Content-Length` with
`REQUEST_BODY_MAX_SIZE` (3 MB; the directory import's 2 MB file fits) or, under the Wagtail
admin (documents up to 20 MB, images up to 10 MB), `UPLOAD_BODY_MAX_SIZE` (25 MB), and answers
413 with a French page — before the CSRF middleware parses a multipart body, so a visitor
cannot make the server spool an unlimited upload (docs/security.md, finding 15).
"""

from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.models import Collection

from directory import importer
from qa import services as qa_services
from qa.models import Question

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
TOO_LARGE = "trop volumineuse"
FORM_URLENCODED = "application/x-www-form-urlencoded"


def big_post(client, url, size):
    return client.generic("POST", url, b"x" * size, content_type="application/octet-stream")


def assert_refused_in_french(response, *, site_page=True):
    assert response.status_code == 413
    html = response.content.decode()
    assert TOO_LARGE in html and 'lang="fr"' in html
    if site_page:  # a page of the site, with its headers (the admin is outside the CSP)
        assert "Content-Security-Policy" in response


def test_a_visitor_posting_an_oversized_body_gets_413_before_any_parsing(client, settings):
    size = settings.REQUEST_BODY_MAX_SIZE + 1
    # Without a CSRF token: the size is checked first, so no 403 and no body read.
    assert_refused_in_french(big_post(client, "/comptes/login/", size))


def test_a_member_cannot_post_a_question_of_several_megabytes(client, member, make_topic):
    """Sent as a plain form: 413 before parsing. As the multipart form that may carry
    attachments (issue 17: a member's multipart post to the posting paths may reach
    `ATTACHMENT_BODY_MAX_SIZE`), the form refuses the text's length in French."""
    topic = make_topic(name="Voirie")
    client.force_login(member)
    data = {
        "kind": "question",
        "title": "Une question démesurée ?",
        "body": "x" * (4 * MB),
        "topics": [topic.pk],
        "submission_token": "jeton-gros",
        "publish": "1",
    }
    response = client.post(
        "/questions/poser/", urlencode(data, doseq=True), content_type=FORM_URLENCODED
    )
    assert_refused_in_french(response)
    response = client.post("/questions/poser/", data)
    assert response.status_code == 200
    assert "Le texte ne doit pas dépasser 30000 caractères." in response.content.decode()
    assert not Question.objects.filter(title="Une question démesurée ?").exists()


def test_a_comment_gets_a_smaller_attachment_body_than_an_answer(
    client, settings, member, make_topic
):
    """The comment form carries at most `QA_ATTACHMENTS_PER_COMMENT` files: a member's
    multipart comment may reach `COMMENT_ATTACHMENT_BODY_MAX_SIZE`, not the answer's 151 MB;
    a plain form keeps the site's limit, and the form refuses a too long text in French."""
    question = qa_services.question_create(
        author=member, title="Un fil à commenter ?", body="Texte.", topics=[make_topic()]
    )
    assert settings.COMMENT_ATTACHMENT_BODY_MAX_SIZE < settings.ATTACHMENT_BODY_MAX_SIZE
    client.force_login(member)
    path = f"/questions/{question.pk}/commenter/"
    data = {"body": "x" * (4 * MB), "submission_token": "jeton-commentaire"}
    response = client.post(path, urlencode(data), content_type=FORM_URLENCODED)
    assert_refused_in_french(response)
    response = client.post(path, data)
    assert response.status_code == 400
    assert "Le commentaire ne doit pas dépasser 600 caractères." in response.content.decode()
    settings.COMMENT_ATTACHMENT_BODY_MAX_SIZE = 5 * MB
    assert_refused_in_french(client.post(path, {**data, "body": "x" * (6 * MB)}))


def test_a_body_at_the_limit_still_reaches_the_view(client, settings):
    response = big_post(client, "/comptes/login/", settings.REQUEST_BODY_MAX_SIZE)
    assert response.status_code != 413


def test_the_directory_import_keeps_its_own_2_mb_limit(client, moderator, settings):
    assert importer.MAX_IMPORT_BYTES + 64 * 1024 < settings.REQUEST_BODY_MAX_SIZE
    client.force_login(moderator)
    row = "Camille;Exemple;Commune de Test;camille@example.org;Maire\n"
    content = ("Prénom;Nom;Structure;Mail;Fonction\n" + row * 40_000).encode()
    assert len(content) > importer.MAX_IMPORT_BYTES
    response = client.post(
        reverse("directory:import_upload"),
        {"fichier": SimpleUploadedFile("liste.csv", content, content_type="text/csv")},
    )
    # The import's own French refusal, not the 413 page.
    assert response.status_code == 200
    assert "trop volumineux" in response.content.decode()
    # An upload-sized body outside the admin is refused whole.
    assert_refused_in_french(
        client.post(
            reverse("directory:import_upload"),
            {"fichier": SimpleUploadedFile("liste.csv", b"x" * (10 * MB))},
        )
    )


def test_an_editor_uploads_a_20_mb_document_but_not_a_larger_body(client, editor, settings):
    client.force_login(editor)
    content = b"%PDF-1.4\n" + b"0" * (settings.WAGTAILDOCS_MAX_UPLOAD_SIZE - 9)
    response = client.post(
        "/admin/documents/add/",
        {
            "title": "Guide de 20 Mo",
            "file": SimpleUploadedFile("guide.pdf", content, content_type="application/pdf"),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 302
    document = get_document_model().objects.get(title="Guide de 20 Mo")
    assert document.file.size == settings.WAGTAILDOCS_MAX_UPLOAD_SIZE

    assert_refused_in_french(
        big_post(client, "/admin/documents/add/", settings.UPLOAD_BODY_MAX_SIZE + 1),
        site_page=False,
    )

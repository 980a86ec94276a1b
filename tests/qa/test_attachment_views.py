"""Attachments through the real forms and the download view (issue 17).

Members attach files to a question or an answer; a refused file re-shows the form with the
French reason and the typed text, and stores nothing. The download view applies the post's
visibility (visitors, pending accounts, deleted posts) and sends every file so that it cannot
run as a page of the site.
"""

import re
import uuid

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from qa import services
from qa.models import Answer, Attachment, Question
from tests.qa.attachment_files import EXE, jpeg_with_gps, pdf, upload

pytestmark = pytest.mark.django_db

STORED_NAME = re.compile(r"^pieces-jointes/[0-9a-f]{32}\.(pdf|jpg)$")


def _answer(client, question, *files, body="Voici notre délibération et une photo du site."):
    return client.post(
        f"/questions/{question.pk}/repondre/",
        {"body": body, "submission_token": uuid.uuid4().hex, "attachments": list(files)},
    )


@pytest.fixture
def attached(client, member, question):
    """An answer by `member` with a PDF and a photo, posted through the form."""
    client.force_login(member)
    response = _answer(
        client, question, upload("délibération.pdf", pdf()), upload("route.jpg", jpeg_with_gps())
    )
    assert response.status_code == 302
    client.logout()
    answer = Answer.objects.get()
    document, photo = answer.attachments.order_by("pk")
    return answer, document, photo


def test_a_member_attaches_a_pdf_and_a_photo_to_an_answer(client, member, question, attached):
    answer, document, photo = attached
    assert (document.original_name, document.content_type) == (
        "délibération.pdf",
        "application/pdf",
    )
    assert photo.is_image and photo.thumbnail and photo.uploader == member
    assert STORED_NAME.match(document.file.name) and STORED_NAME.match(photo.file.name)
    assert b"Fabricant-Secret" not in photo.file.read()
    client.force_login(member)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "délibération.pdf" in html and "(PDF, " in html
    assert 'aria-label="2 pièces jointes"' in html
    assert f'src="/pieces-jointes/{photo.pk}/miniature/" alt="" width="' in html
    assert f'href="{document.get_absolute_url()}" download' in html


def test_listed_thumbnails_are_lazy_and_sized_as_shown(client, member, question):
    """Each image in a post's list of files is its thumbnail, loaded lazily, with the size it
    is drawn at (the thumbnail fitted in the list's 160 px box, `.qa-attachment img`): the
    page keeps its place while the thumbnails load."""
    client.force_login(member)
    wide, tall = jpeg_with_gps((640, 480)), jpeg_with_gps((300, 900))
    assert (
        _answer(client, question, upload("large.jpg", wide), upload("haute.jpg", tall)).status_code
        == 302
    )
    landscape, portrait = Answer.objects.get().attachments.order_by("pk")
    html = client.get(question.get_absolute_url()).content.decode()
    assert (
        f'<img src="/pieces-jointes/{landscape.pk}/miniature/" alt="" width="160" height="120" '
        'loading="lazy" decoding="async">'
    ) in html
    assert (
        f'<img src="/pieces-jointes/{portrait.pk}/miniature/" alt="" width="53" height="160" '
        'loading="lazy" decoding="async">'
    ) in html
    with Image.open(portrait.thumbnail) as thumbnail:  # the shape of the file served
        assert thumbnail.size == (107, 320)


def test_a_member_asks_a_question_with_an_attachment(client, member, topic):
    client.force_login(member)
    response = client.post(
        "/questions/poser/",
        {
            "kind": "question",
            "title": "Modèle de convention de groupement ?",
            "body": "Quelqu'un aurait-il un modèle de convention à partager ?",
            "topics": [topic.pk],
            "submission_token": uuid.uuid4().hex,
            "publish": "1",
            "attachments": [upload("brouillon.pdf", pdf())],
        },
    )
    assert response.status_code == 302
    assert Question.objects.get().attachments.get().original_name == "brouillon.pdf"


def test_a_refused_file_keeps_the_text_and_stores_nothing(client, member, question):
    client.force_login(member)
    before = _stored()
    response = _answer(
        client,
        question,
        upload("bon.pdf", pdf()),
        upload("deliberation.pdf", EXE),
        body="Mon texte",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "Le fichier « deliberation.pdf » est refusé : c&#x27;est un programme exécutable." in html
    )
    assert "choisissez à nouveau les fichiers" in html
    assert "Mon texte</textarea>" in html
    assert not Answer.objects.exists() and not Attachment.objects.exists()
    assert _stored() == before


def test_a_refused_question_keeps_its_title_and_text(client, member, topic):
    client.force_login(member)
    response = client.post(
        "/questions/poser/",
        {
            "kind": "question",
            "title": "Titre de ma question gardé",
            "body": "Le texte de ma question est gardé.",
            "topics": [topic.pk],
            "submission_token": uuid.uuid4().hex,
            "publish": "1",
            "attachments": [upload("logo.svg", b"<svg onload=alert(1)></svg>")],
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "les images SVG sont refusées" in html
    assert 'value="Titre de ma question gardé"' in html
    assert "Le texte de ma question est gardé.</textarea>" in html
    assert not Question.objects.exists()


def test_eleven_files_are_refused_in_french(client, member, question):
    client.force_login(member)
    files = [upload(f"note-{n}.txt", b"bonjour") for n in range(11)]
    response = _answer(client, question, *files)
    assert response.status_code == 400
    assert "au plus 10 fichiers à un message (11 choisis)" in response.content.decode()
    assert not Attachment.objects.exists()


def test_only_a_members_multipart_post_gets_the_attachment_body_limit(
    client, member, pending_user, question
):
    """A member's form carrying files may reach 10 × 15 MB; a visitor, a pending account or
    a body without files keeps the site's limit (413 before anything is parsed)."""
    size = 4 * 1024 * 1024
    path = f"/questions/{question.pk}/repondre/"
    multipart = "multipart/form-data; boundary=limite"
    assert client.generic("POST", path, b"x" * size, content_type=multipart).status_code == 413
    client.force_login(pending_user)
    assert client.generic("POST", path, b"x" * size, content_type=multipart).status_code == 413
    client.force_login(member)
    plain = "application/x-www-form-urlencoded"
    assert client.generic("POST", path, b"x" * size, content_type=plain).status_code == 413
    big = upload("plan.pdf", EXE + b"0" * size)
    response = _answer(client, question, big, body="Mon texte gardé")
    assert response.status_code == 400
    assert "Mon texte gardé</textarea>" in response.content.decode()


def _stored():
    try:
        return set(default_storage.listdir("pieces-jointes")[1])
    except FileNotFoundError:
        return set()


# --- Serving -------------------------------------------------------------------------------


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _assert_sandboxed(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "private" in response["Cache-Control"]


def test_a_member_downloads_a_document_as_an_attachment(client, make_user, attached):
    _answer, document, _photo = attached
    client.force_login(make_user())
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200 and _body(response).startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "d%C3%A9lib%C3%A9ration.pdf" in response["Content-Disposition"]
    _assert_sandboxed(response)


def test_an_image_and_its_thumbnail_are_shown_inline(client, make_user, attached):
    _answer, _document, photo = attached
    client.force_login(make_user())
    for url in (photo.get_absolute_url(), photo.get_thumbnail_url()):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert not response.get("Content-Disposition", "").startswith("attachment")
        _assert_sandboxed(response)


def test_a_visitor_is_sent_to_the_login_page(client, attached):
    _answer, document, photo = attached
    for url in (document.get_absolute_url(), photo.get_thumbnail_url()):
        response = client.get(url)
        assert response.status_code == 302 and "/comptes/login/" in response["Location"]


def test_a_visitor_downloads_when_the_site_opens_reading(client, settings, attached):
    settings.PUBLIC_READ = True
    _answer, document, _photo = attached
    assert client.get(document.get_absolute_url()).status_code == 200


def test_a_pending_account_is_refused(client, pending_user, attached):
    _answer, document, _photo = attached
    client.force_login(pending_user)
    response = client.get(document.get_absolute_url())
    assert response.status_code in (302, 403)
    assert not response.get("Content-Disposition")


def test_a_deleted_posts_files_are_for_moderators_only(
    client, settings, make_user, moderator, attached
):
    answer, document, _photo = attached
    services.post_delete(post=answer, by=moderator, reason="Hors sujet")
    settings.PUBLIC_READ = True
    assert client.get(document.get_absolute_url()).status_code == 403
    client.force_login(make_user())
    assert client.get(document.get_absolute_url()).status_code == 403
    client.force_login(moderator)
    assert client.get(document.get_absolute_url()).status_code == 200


def test_a_deleted_threads_files_are_refused_to_members(client, make_user, moderator, attached):
    answer, document, _photo = attached
    services.post_delete(post=answer.question, by=moderator, reason="Doublon")
    client.force_login(make_user())
    assert client.get(document.get_absolute_url()).status_code == 403


def test_the_proxy_sends_the_bytes_when_configured(client, settings, make_user, attached):
    settings.QA_ATTACHMENT_SENDFILE = "nginx"
    _answer, document, _photo = attached
    client.force_login(make_user())
    response = client.get(document.get_absolute_url())
    assert response["X-Accel-Redirect"] == f"/fichiers-internes/{document.file.name}"
    assert response["Content-Disposition"].startswith("attachment;")
    assert _body(response) == b""
    _assert_sandboxed(response)


def test_the_generic_file_view_does_not_serve_attachments(client, make_user, attached):
    _answer, document, _photo = attached
    client.force_login(make_user())
    assert client.get(f"/fichiers/{document.file.name}").status_code == 404


def test_an_unknown_attachment_is_not_found(client, member):
    client.force_login(member)
    assert client.get("/pieces-jointes/999999/x.pdf").status_code == 404

"""Attachments and a member's data rights (issue 17, item 5): the JSON export lists the files
the member attached (name, type, size, date, which post, address), and erasing the account
keeps them with the pseudonymised posts (their `uploader` becomes empty), still behind the
download view's check."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qa import services
from qa.attachments import check_upload
from tests.factories import TEST_PASSWORD
from tests.qa.attachment_files import jpeg_with_gps, pdf

pytestmark = pytest.mark.django_db


def _file(name, content):
    return [check_upload(SimpleUploadedFile(name, content))]


@pytest.fixture
def attached(question, member, make_user):
    answer = services.answer_create(
        question=question,
        author=member,
        body="La délibération jointe.",
        attachments=_file("délibération.pdf", pdf()),
    )
    comment = services.comment_create(
        post=question, author=member, body="Photo.", attachments=_file("route.jpg", jpeg_with_gps())
    )
    services.answer_create(
        question=question,
        author=make_user(),
        body="La nôtre.",
        attachments=_file("autre.pdf", pdf()),
    )
    return answer, comment


def test_the_export_lists_my_attachments_only(client, member, question, attached):
    answer, comment = attached
    services.post_delete_own(post=comment, by=member)
    client.force_login(member)
    data = json.loads(client.get("/annuaire/moi/donnees/").content)
    document, photo = data["pieces_jointes"]
    assert document == {
        "nom": "délibération.pdf",
        "type": "application/pdf",
        "taille_octets": answer.attachments.get().size,
        "le": document["le"],
        "message": "réponse",
        "fil": question.title,
        "message_supprime": False,
        "retiree_du_message_le": None,
        "adresse": answer.attachments.get().get_absolute_url(),
    }
    assert (photo["nom"], photo["message"], photo["message_supprime"]) == (
        "route.jpg",
        "commentaire",
        True,
    )
    assert "autre.pdf" not in json.dumps(data)


def test_erasure_keeps_the_files_with_the_pseudonymised_posts(
    client, make_user, member, question, attached
):
    answer, _comment = attached
    document = answer.attachments.get()
    client.force_login(member)
    assert client.post("/annuaire/moi/effacer/", {"password": TEST_PASSWORD}).status_code == 302
    document.refresh_from_db()
    assert document.uploader is None
    reader = make_user()
    client.force_login(reader)
    thread = client.get(question.get_absolute_url()).content.decode()
    assert "Ancien membre" in thread and "délibération.pdf" in thread
    assert client.get(document.get_absolute_url()).status_code == 200

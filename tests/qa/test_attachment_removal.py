"""A moderator removes one attachment with a logged reason (issue 17, item 5).

The confirmation page asks for a required reason; the POST deletes the row, then the file and
its thumbnail from the storage once the transaction commits; the thread's moderation log keeps
the file's name and the reason; afterwards nobody, moderators included, downloads it (404).
Members, authors and visitors are refused.
"""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from qa import services
from qa.attachments import check_upload
from qa.models import Attachment, ModerationAction, ModerationKind
from tests.qa.attachment_files import jpeg_with_gps, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(question, member):
    return services.answer_create(
        question=question,
        author=member,
        body="Voici la délibération et une photo.",
        attachments=[
            check_upload(SimpleUploadedFile("délibération.pdf", pdf())),
            check_upload(SimpleUploadedFile("route.jpg", jpeg_with_gps())),
        ],
    )


def test_the_service_removes_the_file_and_logs_the_reason(
    answer, moderator, django_capture_on_commit_callbacks
):
    document, photo = answer.attachments.order_by("pk")
    names = [photo.file.name, photo.thumbnail.name]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        action = services.attachment_remove(
            attachment=photo, by=moderator, reason="Visage d'un enfant reconnaissable."
        )
    assert list(answer.attachments.all()) == [document]
    assert not any(default_storage.exists(name) for name in names)
    assert (action.kind, action.answer, action.moderator) == (
        ModerationKind.ATTACHMENT_REMOVED,
        answer,
        moderator,
    )
    assert action.reason == "« route.jpg » : Visage d'un enfant reconnaissable."


def test_a_moderator_confirms_then_removes_from_the_thread(client, moderator, answer):
    document = answer.attachments.order_by("pk").first()
    client.force_login(moderator)
    thread = client.get(answer.question.get_absolute_url()).content.decode()
    assert f'href="/pieces-jointes/{document.pk}/retirer/"' in thread
    page = client.get(f"/pieces-jointes/{document.pk}/retirer/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Retirer la pièce jointe « délibération.pdf » ?" in html
    assert "Motif du retrait" in html
    response = client.post(
        f"/pieces-jointes/{document.pk}/retirer/", {"reason": "Données personnelles."}
    )
    assert response.status_code == 302
    assert response["Location"] == answer.get_absolute_url()
    assert not Attachment.objects.filter(pk=document.pk).exists()
    thread = client.get(answer.question.get_absolute_url()).content.decode()
    assert "Pièce jointe retirée" in thread
    assert "« délibération.pdf » : Données personnelles." in thread
    assert client.get(document.get_absolute_url()).status_code == 404


def test_the_reason_is_required_and_kept(client, moderator, answer):
    document = answer.attachments.first()
    client.force_login(moderator)
    response = client.post(f"/pieces-jointes/{document.pk}/retirer/", {"reason": "  "})
    assert response.status_code == 400
    assert "Indiquez le motif du retrait." in response.content.decode()
    assert Attachment.objects.filter(pk=document.pk).exists()
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize("who", ["member", "author"])
def test_members_and_the_author_are_refused(client, make_user, member, answer, who):
    document = answer.attachments.first()
    client.force_login(member if who == "author" else make_user())
    thread = client.get(answer.question.get_absolute_url()).content.decode()
    assert "/retirer/" not in thread.split('class="qa-attachments"')[1].split("</ul>")[0]
    assert client.get(f"/pieces-jointes/{document.pk}/retirer/").status_code == 403
    response = client.post(f"/pieces-jointes/{document.pk}/retirer/", {"reason": "Non."})
    assert response.status_code == 403
    assert Attachment.objects.filter(pk=document.pk).exists()


def test_a_visitor_is_sent_to_log_in(client, answer):
    document = answer.attachments.first()
    response = client.post(f"/pieces-jointes/{document.pk}/retirer/", {"reason": "Non."})
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    assert Attachment.objects.filter(pk=document.pk).exists()


def test_a_comments_attachment_is_removed_too(client, moderator, question, member):
    comment = services.comment_create(
        post=question,
        author=member,
        body="Le plan joint.",
        attachments=[check_upload(SimpleUploadedFile("plan.pdf", pdf()))],
    )
    client.force_login(moderator)
    document = comment.attachments.get()
    response = client.post(f"/pieces-jointes/{document.pk}/retirer/", {"reason": "Doublon."})
    assert response.status_code == 302
    assert ModerationAction.objects.get().comment == comment
    assert not comment.attachments.exists()

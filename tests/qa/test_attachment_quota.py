"""A per-member storage quota for attachments (issue 17, item 5): `QA_ATTACHMENT_QUOTA`
(200 MB); an upload past it is refused in French with the text kept; « Ma fiche » shows the
space used and left."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qa import selectors, services
from qa.attachments import check_upload
from qa.models import Answer, Attachment, Comment
from tests.qa.attachment_files import pdf, upload

pytestmark = pytest.mark.django_db


def _attach(question, member, name="convention.pdf"):
    return services.answer_create(
        question=question,
        author=member,
        body="Voici notre convention.",
        attachments=[check_upload(SimpleUploadedFile(name, pdf()))],
    )


def test_the_storage_counts_a_members_files_only(question, member, make_user):
    _attach(question, member)
    _attach(question, make_user(), "autre.pdf")
    storage = selectors.attachment_storage(member)
    assert storage.used == Attachment.objects.get(uploader=member).size
    assert storage.remaining == storage.quota - storage.used


def test_an_upload_over_the_quota_is_refused_in_french_with_the_text_kept(
    client, settings, question, member
):
    _attach(question, member)
    used = selectors.attachment_storage(member).used
    settings.QA_ATTACHMENT_QUOTA = used + 10
    client.force_login(member)
    response = client.post(
        f"/questions/{question.pk}/repondre/",
        {
            "body": "Une deuxième délibération.",
            "submission_token": uuid.uuid4().hex,
            "attachments": [upload("deuxieme.pdf", pdf())],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "dépassent l&#x27;espace qu&#x27;il vous reste (10\xa0octets sur" in html
    assert "Une deuxième délibération.</textarea>" in html
    assert Answer.objects.count() == 1 and Attachment.objects.count() == 1


def test_a_comment_over_the_quota_is_refused_too(client, settings, question, member):
    settings.QA_ATTACHMENT_QUOTA = 100
    client.force_login(member)
    response = client.post(
        f"/questions/{question.pk}/commenter/",
        {
            "body": "Le plan joint.",
            "submission_token": uuid.uuid4().hex,
            "attachments": [upload("plan.pdf", pdf())],
        },
    )
    assert response.status_code == 400
    assert "Le plan joint.</textarea>" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_post_without_files_is_not_refused_over_the_quota(client, settings, question, member):
    _attach(question, member)
    settings.QA_ATTACHMENT_QUOTA = 1
    client.force_login(member)
    response = client.post(
        f"/questions/{question.pk}/repondre/",
        {"body": "Sans fichier cette fois.", "submission_token": uuid.uuid4().hex},
    )
    assert response.status_code == 302


def test_my_profile_shows_the_space_used_and_left(client, settings, question, member, make_person):
    make_person(user=member)
    settings.QA_ATTACHMENT_QUOTA = 1024 * 1024
    _attach(question, member)
    used = selectors.attachment_storage(member).used
    client.force_login(member)
    html = client.get("/annuaire/moi/").content.decode()
    assert "Mes pièces jointes" in html
    assert f"Vos pièces jointes occupent {used}" in html and "sur 1,0" in html
    assert '<progress max="100" value="' in html

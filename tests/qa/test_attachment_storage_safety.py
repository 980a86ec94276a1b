"""What stays in the storage when posting fails, and what a refused post costs (review of stop 23).

- A posting service whose transaction rolls back deletes the files it wrote, whether the
  failure comes while storing them or later in the service.
- Files no row names (a rollback around the service, a process killed before the commit) are
  removed by `manage.py attachments_sweep` once they are old enough.
- A new member over the posting budget is refused before the files are checked: the decoding
  work is not spent for a post that will not be published.
"""

import io
import os
import uuid
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from qa import attachments, services
from qa.attachments import FOLDER, check_upload
from qa.models import Attachment, Question, QuestionFollow
from tests.qa.attachment_files import jpeg_with_gps, pdf, upload

pytestmark = pytest.mark.django_db


def _stored() -> set[str]:
    try:
        return {f"{FOLDER}/{name}" for name in default_storage.listdir(FOLDER)[1]}
    except FileNotFoundError:
        return set()


def _files():
    return [check_upload(upload("a.pdf", pdf())), check_upload(upload("b.jpg", jpeg_with_gps()))]


def test_a_service_that_fails_after_storing_the_files_deletes_them(member, topic, monkeypatch):
    before = _stored()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(QuestionFollow.objects, "get_or_create", broken)
    with pytest.raises(RuntimeError):
        services.question_create(
            author=member,
            title="Déneigement des voies communales",
            body="Qui déneige les voies communales chez vous ?",
            topics=[topic],
            attachments=_files(),
        )
    assert not Question.objects.exists() and not Attachment.objects.exists()
    assert _stored() == before


def test_an_answer_that_fails_while_storing_keeps_nothing(member, question, monkeypatch):
    before = _stored()
    calls = []

    def create(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(**kwargs)

    original = Attachment.objects.create
    monkeypatch.setattr(Attachment.objects, "create", create)
    with pytest.raises(RuntimeError):
        services.answer_create(
            question=question, author=member, body="Voici.", attachments=_files()
        )
    assert _stored() == before


def test_the_sweep_removes_files_left_by_a_rollback_around_the_service(member, question):
    before = _stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.answer_create(
            question=question, author=member, body="Voici.", attachments=_files()
        )
        raise RuntimeError("the caller's transaction fails after the service returned")
    orphans = _stored() - before
    assert len(orphans) == 3  # the PDF, the photo and its thumbnail
    kept = services.answer_create(
        question=question, author=member, body="Voici.", attachments=_files()
    )
    assert services.attachment_orphans_delete(older_than=timedelta(hours=1)) == 0  # too recent
    old = (timezone.now() - timedelta(hours=25)).timestamp()
    for name in _stored():
        os.utime(default_storage.path(name), (old, old))
    call_command("attachments_sweep", stdout=io.StringIO())
    remaining = _stored()
    assert not remaining & orphans
    for attachment in kept.attachments.all():
        assert attachment.file.name in remaining
        assert not attachment.thumbnail or attachment.thumbnail.name in remaining


def test_a_new_member_over_the_budget_is_refused_before_the_files_are_checked(
    client, member, question, settings, monkeypatch
):
    settings.QA_NEW_MEMBER_POSTS_PER_HOUR = 1
    client.force_login(member)
    response = client.post(
        f"/questions/{question.pk}/commenter/", {"body": "Premier", "submission_token": "1"}
    )
    assert response.status_code == 302
    monkeypatch.setattr(attachments, "check_upload", pytest.fail)
    photo = upload("route.jpg", jpeg_with_gps(size=(2000, 1500)))
    for url in (f"/questions/{question.pk}/repondre/", f"/questions/{question.pk}/commenter/"):
        photo.seek(0)
        data = {"body": "Encore une photo.", "submission_token": uuid.uuid4().hex}
        response = client.post(url, {**data, "attachments": [photo]})
        assert response.status_code == 429
    response = client.post(
        "/questions/poser/",
        {
            "kind": "question",
            "title": "Encore une question sur la route",
            "body": "La photo de la route abîmée est jointe.",
            "topics": [question.topics.first().pk],
            "submission_token": uuid.uuid4().hex,
            "attachments": [photo],
        },
    )
    assert response.status_code == 429

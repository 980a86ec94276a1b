"""XSS through attachment names (issue 17): every payload of the corpus as a file name, once
cleaned as the upload path cleans it and once stored raw (as if cleaning had missed it), on one
thread page; and in the download's Content-Disposition header."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from qa import services
from qa.attachments import check_upload, storage_name
from qa.models import Attachment
from tests.qa.attachment_files import upload
from tests.security.xss import assert_no_xss, payloads

pytestmark = pytest.mark.django_db


def _question(author, topic):
    return services.question_create(
        author=author,
        title="Des pièces jointes aux noms étranges",
        body="Nous testons les noms de fichiers.",
        topics=[topic],
    )


def test_attachment_names_never_become_markup(client, member, make_topic):
    question = _question(member, make_topic())
    cleaned = [check_upload(upload(f"{payload}.txt", b"texte")) for payload in payloads()]
    answer = services.answer_create(
        question=question, author=member, body="Les pièces.", attachments=cleaned
    )
    stored = default_storage.save(storage_name("txt"), ContentFile(b"texte"))
    Attachment.objects.bulk_create(
        Attachment(
            answer=answer,
            number=len(cleaned) + index,
            file=stored,
            original_name=payload[:120],
            size=5,
            content_type="text/plain; charset=utf-8",
        )
        for index, payload in enumerate(payloads(), start=1)
    )
    client.force_login(member)
    response = client.get(question.get_absolute_url())
    assert response.status_code == 200
    assert_no_xss(response.content, context="attachment names")


def test_a_hostile_name_stays_inside_the_content_disposition_header(client, member, make_topic):
    question = _question(member, make_topic())
    name = 'a"; filename=evil.html\r\nSet-Cookie: x=1; <script>.txt'
    checked = check_upload(upload(name, b"texte"))
    answer = services.answer_create(
        question=question, author=member, body="Texte.", attachments=[checked]
    )
    attachment = answer.attachments.get()
    client.force_login(member)
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\n" not in disposition
    assert not response.has_header("Set-Cookie") or "x=1" not in response["Set-Cookie"]
    assert response["Content-Type"] == "text/plain; charset=utf-8"

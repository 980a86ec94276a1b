"""Notifications and feeds mention a post's attachments (issue 17, item 6): « 2 pièces
jointes » after the excerpt; the e-mail links to the thread and never carries a file (they are
members-only, served after the download view's check)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qa import services as qa_services
from qa.attachments import check_upload
from tests.qa.attachment_files import jpeg_with_gps, pdf
from website.notifications.kinds import Kind
from website.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _files():
    return [
        check_upload(SimpleUploadedFile("délibération.pdf", pdf())),
        check_upload(SimpleUploadedFile("route.jpg", jpeg_with_gps())),
    ]


def test_an_answer_with_files_says_so_and_the_email_attaches_nothing(
    make_user, ask, committed, mailoutbox
):
    asker, answerer = make_user(), make_user()
    question = ask(asker)
    mailoutbox.clear()
    with committed():
        answer = qa_services.answer_create(
            question=question,
            author=answerer,
            body="Voici notre délibération.",
            attachments=_files(),
        )
    notification = Notification.objects.get(recipient=asker)
    assert notification.kind == Kind.ANSWER
    assert notification.excerpt == "Voici notre délibération. — 2 pièces jointes"
    [message] = [m for m in mailoutbox if asker.email in m.to]
    assert "2 pièces jointes" in message.body
    assert f"http://127.0.0.1:8000{answer.get_absolute_url()}" in message.body
    assert message.attachments == []
    html, _mimetype = message.alternatives[0]
    assert "/pieces-jointes/" not in message.body and "/pieces-jointes/" not in html


def test_a_comment_with_one_file_says_one(make_user, ask, committed):
    asker = make_user()
    question = ask(asker)
    with committed():
        qa_services.comment_create(
            post=question, author=make_user(), body="Le plan.", attachments=_files()[:1]
        )
    assert Notification.objects.get(recipient=asker).excerpt == "Le plan. — 1 pièce jointe"


def test_a_post_without_files_says_nothing_of_them(make_user, ask, answer):
    asker = make_user()
    answer(make_user(), ask(asker), body="Sans fichier.")
    assert Notification.objects.get(recipient=asker).excerpt == "Sans fichier."


def test_the_thread_and_questions_feeds_mention_the_files(client, member, make_user, ask):
    question = qa_services.question_create(
        author=member,
        title="Convention de groupement ?",
        body="Le brouillon joint.",
        topics=ask(make_user()).topics.all(),
        attachments=_files(),
    )
    qa_services.answer_create(
        question=question, author=make_user(), body="Notre version.", attachments=_files()[:1]
    )
    client.force_login(member)
    thread_feed = client.get(f"/flux/fils/{question.pk}/").content.decode()
    assert "Notre version. — 1 pièce jointe" in thread_feed
    questions_feed = client.get("/flux/questions/").content.decode()
    assert "Le brouillon joint. — 2 pièces jointes" in questions_feed

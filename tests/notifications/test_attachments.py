"""Notifications and feeds mention a post's attachments (issue 17, item 6): « 2 pièces
jointes » after the excerpt; the e-mails (immediate and digests) name each file and link to
its download address on the site, which checks the reader may see the post; they never carry a
file nor a storage address (members-only files)."""

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
    assert "/media/" not in message.body + html and "/fichiers/" not in message.body + html


def _file_links(answer):
    return [
        (a.original_name, f"http://127.0.0.1:8000{a.get_absolute_url()}")
        for a in answer.attachments.order_by("number")
    ]


def test_the_email_names_each_file_and_links_to_its_checked_download(
    make_user, ask, committed, mailoutbox
):
    asker = make_user()
    question = ask(asker)
    mailoutbox.clear()
    with committed():
        answer = qa_services.answer_create(
            question=question, author=make_user(), body="Voici.", attachments=_files()
        )
    (document, document_url), (photo, photo_url) = _file_links(answer)
    assert document_url.startswith("http://127.0.0.1:8000/pieces-jointes/")
    [message] = [m for m in mailoutbox if asker.email in m.to]
    text = message.body
    assert "2 pièces jointes, à ouvrir sur Entraide (réservées aux membres) :" in text
    assert "- délibération.pdf (" in text and f") : {document_url}" in text
    assert text.index(document_url) < text.index(photo_url)
    html, _mimetype = message.alternatives[0]
    assert f'<a href="{document_url}">délibération.pdf</a>' in html
    assert f'<a href="{photo_url}">route.jpg</a>' in html


def test_the_digest_links_to_the_files_of_each_post(
    member, make_user, follow_topic, make_topic, committed, mailoutbox
):
    from website.notifications.digests import send_digests
    from website.notifications.kinds import Frequency

    topic = make_topic(name="Voirie")
    follow_topic(member, topic)
    with committed():
        question = qa_services.question_create(
            author=make_user(),
            title="Réfection de la chaussée ?",
            body="Photo et devis joints.",
            topics=[topic],
            attachments=_files(),
        )
        qa_services.question_create(
            author=make_user(), title="Sans fichier", body="Rien de joint ici.", topics=[topic]
        )
    mailoutbox.clear()
    with committed():
        send_digests(frequency=Frequency.DAILY)
    [message] = mailoutbox
    (_, document_url), (_, photo_url) = _file_links(question)
    assert "  2 pièces jointes, à ouvrir sur Entraide (réservées aux membres) :" in message.body
    assert "  - route.jpg (" in message.body and photo_url in message.body
    assert message.body.count("pièce") == 1  # the question without files lists none
    html, _mimetype = message.alternatives[0]
    assert f'<a href="{document_url}">délibération.pdf</a>' in html
    assert message.attachments == []


def test_a_file_an_edit_removed_is_not_listed(make_user, ask, committed, mailoutbox):
    asker, answerer = make_user(), make_user()
    question = ask(asker)
    with committed():
        answer = qa_services.answer_create(
            question=question, author=answerer, body="Voici.", attachments=_files()
        )
    photo = answer.attachments.get(original_name="route.jpg")
    qa_services.post_edit(post=answer, by=answerer, body="Voici.", remove=[photo])
    from website.notifications.mail_files import attach_mail_files

    notification = Notification.objects.get(recipient=asker)
    attach_mail_files([notification])
    assert [file.name for file in notification.mail_files] == ["délibération.pdf"]


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

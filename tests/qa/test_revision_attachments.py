"""Revisions record their files (issue 17, item 3: « a post's revisions keep the attachments
they had»; docs/qa.md « Versions et pièces jointes »).

Each version lists the files the post had then (`Revision.attachments`). An edit may add files
(up to what the post may still carry), and the history says which files each version added and
which were added between the two compared versions. A rollback restores a text, never takes a
file away.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qa import services
from qa.attachments import check_upload
from qa.models import Attachment, Revision
from tests.qa.attachment_files import pdf, png
from tests.queries import counted_get

pytestmark = pytest.mark.django_db


def _files(*names):
    return [
        check_upload(SimpleUploadedFile(name, png() if name.endswith(".png") else pdf()))
        for name in names
    ]


@pytest.fixture
def answer(question, member):
    return services.answer_create(
        question=question,
        author=member,
        body="Voici la délibération de notre conseil.",
        attachments=_files("délibération.pdf"),
    )


def _names(revision):
    return sorted(a.original_name for a in revision.attachments.all())


def test_each_version_records_the_files_the_post_had(answer, member, moderator):
    services.post_edit(
        post=answer,
        by=member,
        body="Voici la délibération et le plan : ![plan](piece-jointe:2)",
        attachments=_files("plan.png"),
    )
    services.post_edit(post=answer, by=member, body="Le texte seul change.")
    first = Revision.objects.get(answer=answer, number=1)
    services.post_rollback(post=answer, revision=first, by=moderator)
    versions = list(Revision.objects.filter(answer=answer).order_by("number"))
    assert [_names(v) for v in versions] == [
        ["délibération.pdf"],
        ["délibération.pdf", "plan.png"],
        ["délibération.pdf", "plan.png"],
        ["délibération.pdf", "plan.png"],  # a rollback restores the text, not fewer files
    ]
    plan = answer.attachments.get(original_name="plan.png")
    assert (plan.number, plan.uploader) == (2, member)


def test_the_edit_form_adds_files_and_the_text_shows_them(client, member, answer):
    client.force_login(member)
    page = client.get(f"/reponses/{answer.pk}/modifier/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "piece-jointe:1" in page  # the files already there, with their references
    assert "Jusqu'à 9 fichiers" in page  # the 10 an answer may carry, minus the one it has
    assert 'data-first-number="2"' in page
    response = client.post(
        f"/reponses/{answer.pk}/modifier/",
        {
            "body": "Voici la délibération et la photo : ![la photo](piece-jointe:2)",
            "attachments": [SimpleUploadedFile("photo.png", png())],
        },
    )
    assert response.status_code == 302
    answer.refresh_from_db()
    photo = answer.attachments.get(number=2)
    assert f'src="/pieces-jointes/{photo.pk}/miniature/"' in answer.body_html
    assert _names(Revision.objects.get(answer=answer, number=2)) == [
        "délibération.pdf",
        "photo.png",
    ]


def test_a_refused_file_in_an_edit_keeps_the_new_text(client, member, answer):
    client.force_login(member)
    response = client.post(
        f"/reponses/{answer.pk}/modifier/",
        {
            "body": "Mon nouveau texte, à ne pas perdre.",
            "attachments": [SimpleUploadedFile("virus.pdf", b"MZ\x90\x00" + b"\x00" * 64)],
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mon nouveau texte, à ne pas perdre." in html
    assert "c&#x27;est un programme exécutable" in html
    assert Revision.objects.filter(answer=answer).count() == 1
    assert Attachment.objects.filter(answer=answer).count() == 1


def test_an_edit_cannot_go_past_the_files_a_comment_may_carry(client, member, question, settings):
    comment = services.comment_create(
        post=question, author=member, body="Deux photos.", attachments=_files("a.png", "b.png")
    )
    client.force_login(member)
    response = client.post(
        f"/commentaires/{comment.pk}/modifier/",
        {
            "body": "Deux photos de plus.",
            "attachments": [SimpleUploadedFile(f"{n}.png", png()) for n in "cd"],
        },
    )
    assert "Vous pouvez joindre au plus 1 fichiers" in response.content.decode()
    assert comment.attachments.count() == 2
    services.post_edit(post=comment, by=member, body="Trois photos.", attachments=_files("c.png"))
    page = client.get(f"/commentaires/{comment.pk}/modifier/").content.decode()
    assert 'type="file"' not in page  # full: no file field at all


def test_the_history_says_which_files_each_version_added(client, member, answer):
    services.post_edit(post=answer, by=member, body="Avec le plan.", attachments=_files("plan.png"))
    client.force_login(member)
    html = client.get(f"/reponses/{answer.pk}/versions/").content.decode()
    assert "Pièces jointes ajoutées" in html
    plan = answer.attachments.get(original_name="plan.png")
    # The comparison of versions 1 and 2 lists the file added, linked.
    assert "Pièces jointes ajoutées entre la version 1 et la version 2" in html
    assert f'<a href="{plan.get_absolute_url()}">plan.png</a>' in html
    assert html.count("ajoutée :") == 2  # délibération.pdf in version 1, plan.png in version 2
    first = client.get(f"/reponses/{answer.pk}/versions/", {"de": 1, "a": 1}).content.decode()
    assert "Aucune pièce jointe ajoutée." in first


def test_a_reference_to_a_removed_file_never_shows_a_newer_one(answer, member, moderator):
    services.post_edit(
        post=answer,
        by=member,
        body="Le plan : ![plan](piece-jointe:2)",
        attachments=_files("plan.png"),
    )
    plan = answer.attachments.get(number=2)
    services.attachment_remove(attachment=plan, by=moderator, reason="Adresse privée visible.")
    services.post_edit(
        post=answer,
        by=member,
        body="Le plan : ![plan](piece-jointe:2) et le nouveau : ![nouveau](piece-jointe:3)",
        attachments=_files("nouveau.png"),
    )
    answer.refresh_from_db()
    new = answer.attachments.get(original_name="nouveau.png")
    assert new.number == 3
    assert answer.body_html.count("<img") == 1
    assert f'src="/pieces-jointes/{new.pk}/miniature/" alt="nouveau"' in answer.body_html


def test_the_history_reads_the_files_in_constant_queries(client, member, answer):
    client.force_login(member)
    url = f"/reponses/{answer.pk}/versions/"
    services.post_edit(post=answer, by=member, body="Version 2.", attachments=_files("b.png"))
    _, few = counted_get(client, url)
    for number in range(3, 9):
        services.post_edit(
            post=answer, by=member, body=f"Version {number}.", attachments=_files(f"{number}.png")
        )
    _, many = counted_get(client, url)
    assert many == few

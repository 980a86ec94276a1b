"""An edit removes files from its post (issue 17: « a post's revisions keep the attachments
they had »; docs/qa.md « Files added or removed by an edit »).

The author or a moderator ticks « Retirer » for a file in the edit form. The post no longer
shows it, its references turn to text, the new version no longer has it and the earlier ones
keep it; members can no longer download it (403), moderators open it from the history. The
file stays stored (a row still names it, so the nightly sweep keeps it) until a moderator
removes it for good; a rollback to a version that had it brings it back.
"""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from qa import services
from qa.attachments import check_upload
from qa.models import Attachment, ModerationAction, ModerationKind, Revision
from tests.qa.attachment_files import pdf, png

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
        body="La délibération et le plan : [le plan](piece-jointe:2)",
        attachments=_files("délibération.pdf", "plan.png"),
    )


def _names(revision):
    return sorted(a.original_name for a in revision.attachments.all())


def _edit(client, answer, **data):
    return client.post(f"/reponses/{answer.pk}/modifier/", {"body": answer.body, **data})


def test_the_edit_form_offers_each_file_to_remove(client, member, answer):
    document, plan = answer.attachments.order_by("number")
    client.force_login(member)
    html = client.get(f"/reponses/{answer.pk}/modifier/").content.decode()
    assert "Retirer des fichiers (facultatif)" in html
    assert f'type="checkbox" name="remove" value="{document.pk}"' in html
    assert f'type="checkbox" name="remove" value="{plan.pk}"' in html
    assert "plan.png (piece-jointe:2)" in html


def test_the_author_removes_a_file_and_the_versions_keep_it(client, member, answer):
    document, plan = answer.attachments.order_by("number")
    client.force_login(member)
    response = _edit(client, answer, body="La délibération seule.", remove=[plan.pk])
    assert response.status_code == 302

    plan.refresh_from_db()
    assert plan.removed_at is not None
    assert list(answer.attachments.current()) == [document]
    first, second = Revision.objects.filter(answer=answer).order_by("number")
    assert _names(first) == ["délibération.pdf", "plan.png"]
    assert _names(second) == ["délibération.pdf"]
    thread = client.get(answer.question.get_absolute_url()).content.decode()
    assert document.get_absolute_url() in thread
    assert plan.get_absolute_url() not in thread
    assert "1 pièce jointe" in thread
    assert default_storage.exists(plan.file.name)  # kept for the history


def test_a_reference_to_the_removed_file_turns_to_text(client, member, answer):
    plan = answer.attachments.get(number=2)
    client.force_login(member)
    _edit(client, answer, remove=[plan.pk])  # the same text, still citing piece-jointe:2
    answer.refresh_from_db()
    assert "/pieces-jointes/" not in answer.body_html
    assert "le plan" in answer.body_html


def test_members_can_no_longer_download_a_removed_file_moderators_can(
    client, member, make_user, moderator, answer
):
    plan = answer.attachments.get(number=2)
    client.force_login(member)
    _edit(client, answer, remove=[plan.pk])
    for user in (member, make_user()):  # the author too
        client.force_login(user)
        assert client.get(plan.get_absolute_url()).status_code == 403
        assert client.get(plan.get_thumbnail_url()).status_code == 403
    client.force_login(moderator)
    response = client.get(plan.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == default_storage.open(plan.file.name).read()


def test_the_history_says_which_version_removed_a_file(client, member, moderator, answer):
    plan = answer.attachments.get(number=2)
    client.force_login(member)
    _edit(client, answer, body="Sans le plan.", remove=[plan.pk])
    html = client.get(f"/reponses/{answer.pk}/versions/").content.decode()
    assert "retirée : plan.png <code>piece-jointe:2</code>" in html  # a member: no link
    assert "Pièces jointes retirées entre la version 1 et la version 2" in html
    assert f'href="{plan.get_absolute_url()}"' not in html.split("Toutes les versions")[1]
    client.force_login(moderator)
    html = client.get(f"/reponses/{answer.pk}/versions/").content.decode()
    assert f'retirée : <a href="{plan.get_absolute_url()}">plan.png</a>' in html
    assert f'href="/pieces-jointes/{plan.pk}/retirer/"' in html  # to remove it for good


def test_a_moderator_removes_a_file_from_someone_elses_post(client, moderator, answer):
    document = answer.attachments.get(number=1)
    client.force_login(moderator)
    response = _edit(client, answer, remove=[document.pk], summary="Document périmé.")
    assert response.status_code == 302
    assert [a.original_name for a in answer.attachments.current()] == ["plan.png"]
    action = ModerationAction.objects.get(kind=ModerationKind.EDIT, answer=answer)
    assert action.reason == "Document périmé."


def test_another_members_edit_and_another_posts_file_are_refused(
    client, member, make_user, question, answer
):
    other_answer = services.answer_create(
        question=question, author=member, body="Une autre réponse.", attachments=_files("x.pdf")
    )
    stranger = other_answer.attachments.get()
    client.force_login(make_user())
    assert _edit(client, answer, remove=[answer.attachments.first().pk]).status_code == 403
    client.force_login(member)
    response = _edit(client, answer, remove=[stranger.pk])
    assert response.status_code == 200  # the form again, with the error
    assert "Ce fichier n&#x27;est pas joint à ce message." in response.content.decode()
    assert not Attachment.objects.filter(removed_at__isnull=False).exists()
    assert Revision.objects.filter(answer=answer).count() == 1


def test_removing_frees_room_for_new_files_in_the_same_edit(client, member, question):
    comment = services.comment_create(
        post=question, author=member, body="Deux photos.", attachments=_files("a.png", "b.png")
    )
    first = comment.attachments.get(number=1)
    client.force_login(member)
    response = client.post(
        f"/commentaires/{comment.pk}/modifier/",
        {
            "body": "Deux photos, dont une nouvelle.",
            "remove": [first.pk],
            "attachments": [SimpleUploadedFile(f"{n}.png", png()) for n in "cd"],
        },
    )
    assert response.status_code == 302
    assert sorted(a.original_name for a in comment.attachments.current()) == [
        "b.png",
        "c.png",
        "d.png",
    ]
    assert [a.number for a in comment.attachments.order_by("number")] == [1, 2, 3, 4]


def test_a_rollback_brings_the_removed_file_back(member, moderator, answer):
    plan = answer.attachments.get(number=2)
    services.post_edit(post=answer, by=member, body="Sans le plan.", remove=[plan])
    first = Revision.objects.get(answer=answer, number=1)
    latest = services.post_rollback(post=answer, revision=first, by=moderator)
    plan.refresh_from_db()
    assert plan.removed_at is None
    assert _names(latest) == ["délibération.pdf", "plan.png"]
    answer.refresh_from_db()
    assert plan.get_absolute_url() in answer.body_html  # the reference shows it again


def test_the_sweep_keeps_a_removed_file_and_a_final_removal_deletes_it(
    member, moderator, answer, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    plan = answer.attachments.get(number=2)
    names = [plan.file.name, plan.thumbnail.name]
    services.post_edit(post=answer, by=member, body="Sans le plan.", remove=[plan])
    services.attachment_orphans_delete(older_than=timedelta(0))
    assert all(default_storage.exists(name) for name in names)  # a row still names them
    plan.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(attachment=plan, by=moderator, reason="Données personnelles.")
    assert not any(default_storage.exists(name) for name in names)
    assert all(_names(r) == ["délibération.pdf"] for r in Revision.objects.filter(answer=answer))

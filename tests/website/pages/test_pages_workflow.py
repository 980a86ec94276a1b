import pytest
from django.core.exceptions import PermissionDenied
from wagtail.models import Page, WorkflowPage

from website.pages.models import QuestionRecheck, SecondEditorApprovalTask

pytestmark = pytest.mark.django_db


def _submit(update, user):
    workflow = update.get_workflow()
    workflow.start(update, user=user)
    update.refresh_from_db()
    return update.current_workflow_task_state


def test_the_second_editor_workflow_covers_the_whole_site(home):
    workflow_page = WorkflowPage.objects.get(page=Page.objects.get(depth=1))
    assert workflow_page.workflow.name == "Relecture par un second éditeur"
    task = workflow_page.workflow.workflow_tasks.get().task.specific
    assert isinstance(task, SecondEditorApprovalTask)
    assert list(task.groups.values_list("name", flat=True)) == ["Éditeurs"]
    assert home.get_workflow() == workflow_page.workflow


def test_editors_and_moderators_cannot_publish_directly(home, editor, moderator):
    assert home.permissions_for_user(editor).can_edit()
    assert not home.permissions_for_user(editor).can_publish()
    assert not home.permissions_for_user(moderator).can_edit()
    assert not home.permissions_for_user(moderator).can_publish()


def test_the_submitter_cannot_approve_but_another_editor_can(
    make_user, make_update, make_question, django_capture_on_commit_callbacks
):
    author = make_user(roles=["Éditeurs"])
    reviewer = make_user(roles=["Éditeurs"])
    questions = [make_question(), make_question()]
    update = make_update(questions=questions, publish=False)
    task_state = _submit(update, author)
    task = task_state.task.specific

    assert task.get_actions(update, author) == []
    assert not task.get_task_states_user_can_moderate(author).exists()
    with pytest.raises(PermissionDenied):
        task.on_action(task_state, author, "approve")
    update.refresh_from_db()
    assert not update.live

    assert "approve" in [name for name, *_ in task.get_actions(update, reviewer)]
    assert task.get_task_states_user_can_moderate(reviewer).filter(pk=task_state.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        task.on_action(task_state, reviewer, "approve")
    update.refresh_from_db()
    assert update.live
    assert set(QuestionRecheck.objects.values_list("question_id", flat=True)) == {
        q.pk for q in questions
    }


def test_the_admin_is_in_french_and_shows_each_role_its_site_tools(client, editor, moderator):
    client.force_login(moderator)
    body = client.get("/admin/").content.decode()
    assert 'lang="fr"' in body
    # The sidebar is JSON for Wagtail's JavaScript: labels are escaped there.
    assert '"name": "qa-moderation"' in body and '"url": "/moderation/signalements/"' in body
    assert '"name": "rechecks"' in body and '"url": "/veille/a-reverifier/"' in body
    assert '"name": "pending-accounts"' in body
    client.force_login(editor)
    body = client.get("/admin/").content.decode()
    assert '"name": "qa-moderation"' not in body
    assert '"name": "directory"' in body and '"url": "/annuaire/"' in body


def test_an_editor_can_open_the_update_editor_with_the_question_chooser(
    client, editor, make_update, make_question
):
    update = make_update(questions=[make_question()], publish=False)
    client.force_login(editor)
    response = client.get(f"/admin/pages/{update.pk}/edit/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Questions à revérifier" in body
    assert "Questions suggérées" in body
    chooser = client.get("/admin/questions-choix/", {"q": "mutualiser"})
    assert chooser.status_code == 200


def test_the_admin_form_refuses_an_update_without_topic_or_with_bad_dates(
    client, editor, regulatory_index
):
    client.force_login(editor)
    response = client.post(
        f"/admin/pages/add/pages/regulatoryupdatepage/{regulatory_index.pk}/",
        {
            "title": "Texte sans sujet",
            "slug": "texte-sans-sujet",
            "kind": "loi",
            "official_reference": "Loi n° 2026-9",
            "publication_date": "2026-05-01",
            "effective_date": "2026-04-01",
            "audience": "toutes",
            "summary": "Résumé",
            "affected_questions-TOTAL_FORMS": "0",
            "affected_questions-INITIAL_FORMS": "0",
            "affected_questions-MIN_NUM_FORMS": "0",
            "affected_questions-MAX_NUM_FORMS": "1000",
            "comments-TOTAL_FORMS": "0",
            "comments-INITIAL_FORMS": "0",
            "comments-MIN_NUM_FORMS": "0",
            "comments-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "entrée en vigueur ne peut pas précéder" in body
    assert not Page.objects.filter(slug="texte-sans-sujet").exists()

from html.parser import HTMLParser

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


# --- Wagtail 8 autosave and the approval click (security review, finding 17) -----------------


class _EditForm(HTMLParser):
    """The fields the browser submits with the page editor's form (`data-edit-form`)."""

    def __init__(self):
        super().__init__()
        self.data, self._inside, self._select, self._textarea = {}, False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "data-edit-form" in attrs:
            self._inside = True
        if not self._inside or "name" not in attrs and tag != "option":
            return
        name = attrs.get("name")
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.data.setdefault(name, []).append(attrs.get("value", ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.setdefault(self._select, []).append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self.data.setdefault(name, []).append("")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _approval_click(client, page):
    """What the editor's form holds once « Approuver » is clicked: Wagtail's workflow script
    adds two hidden inputs, then the browser submits the form."""
    parser = _EditForm()
    parser.feed(client.get(f"/admin/pages/{page.pk}/edit/").content.decode())
    data = parser.data
    data["action-workflow-action"] = ["true"]
    data["workflow-action-name"] = ["approve"]
    return data


@pytest.fixture
def submitted_page(home, make_user):
    from website.pages.models import ContentPage

    author = make_user(roles=["Éditeurs"])
    page = ContentPage(
        title="Horaires d'été de la mairie",
        body='<p data-block-key="h4r0s">Ouverte le matin.</p>',  # as Draftail writes it
        live=False,
    )
    home.add_child(instance=page)
    page.save_revision(user=author)
    _submit(page, author)
    return page


def test_approving_from_the_editor_a_page_with_rich_text_publishes_it(
    client, submitted_page, make_user, django_capture_on_commit_callbacks
):
    """The rich-text sanitiser dropped Draftail's `data-block-key`s, so the editor's form never
    matched the stored text: every approval from the editor counted as an edit, saved a
    revision by the reviewer, and the second-editor rule then refused them."""
    reviewer = make_user(roles=["Éditeurs"])
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/pages/{submitted_page.pk}/edit/", _approval_click(client, submitted_page)
        )
    submitted_page.refresh_from_db()
    assert not submitted_page.revisions.filter(user=reviewer).exists()
    assert submitted_page.live
    assert submitted_page.body == '<p data-block-key="h4r0s">Ouverte le matin.</p>'
    assert response.status_code == 302 and "/admin/pages/" in response["Location"]


def test_the_autosave_sent_with_the_approve_click_cannot_undo_the_approval(
    submitted_page, make_user, monkeypatch, django_capture_on_commit_callbacks
):
    """The flaky CMS journey: clicking « Approuver » adds hidden inputs to the edit form, which
    Wagtail 8's unsaved-changes watcher takes for an edit, so autosave posts the whole form —
    approval included — as JSON, alongside the browser's own submission. When the browser's
    approval published the page while the autosave was half-way, the autosave then wrote its
    stale copy of the page (not live) back over the publication. The autosave is played here
    with the browser's submission landing in the middle of it, as it did in Chromium."""
    from django.test import Client
    from wagtail.admin.views.pages.edit import EditView

    reviewer = make_user(roles=["Éditeurs"])
    browser, autosave = Client(), Client(raise_request_exception=False)
    browser.force_login(reviewer)
    autosave.force_login(reviewer)
    url = f"/admin/pages/{submitted_page.pk}/edit/"
    click = _approval_click(browser, submitted_page)
    submitted = []

    def browser_submits_meanwhile(view):
        if view.expects_json_response and not submitted:
            submitted.append(browser.post(url, click))
        return original(view)

    original = EditView.perform_workflow_action
    monkeypatch.setattr(EditView, "perform_workflow_action", browser_submits_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        response = autosave.post(url, click, HTTP_ACCEPT="application/json")
        if not submitted:
            submitted.append(browser.post(url, click))

    submitted_page.refresh_from_db()
    assert submitted_page.live
    assert submitted_page.current_workflow_state is None
    assert not submitted_page.revisions.filter(user=reviewer).exists()
    assert submitted[0].status_code == 302
    assert response.status_code == 400
    assert response.json()["success"] is False


def test_a_background_save_of_a_page_under_review_changes_nothing(
    client, submitted_page, make_user, django_capture_on_commit_callbacks
):
    """An editor's tab left open on a submitted page autosaves (as JSON) when a widget marks the
    form changed; that new revision made the reviewer's approval cover an older one, so the
    workflow restarted instead of publishing. A page under review changes only on purpose."""
    author = submitted_page.current_workflow_state.requested_by
    url = f"/admin/pages/{submitted_page.pk}/edit/"
    client.force_login(author)
    draft = {
        key: values
        for key, values in _approval_click(client, submitted_page).items()
        if not key.startswith(("action-", "workflow-action"))
    }
    revisions = submitted_page.revisions.count()
    response = client.post(url, draft, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["success"] is False
    assert submitted_page.revisions.count() == revisions

    reviewer = make_user(roles=["Éditeurs"])
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, _approval_click(client, submitted_page))
    submitted_page.refresh_from_db()
    assert submitted_page.live


def _new_update_form(topic):
    return {
        "title": "Nouveau texte à relire",
        "slug": "nouveau-texte-a-relire",
        "kind": "loi",
        "official_reference": "Loi n° 2026-10",
        "publication_date": "2026-05-01",
        "effective_date": "2026-06-01",
        "topics": [str(topic.pk)],
        "audience": "toutes",
        "summary": "Ce qui change.",
        "affected_questions-TOTAL_FORMS": "0",
        "affected_questions-INITIAL_FORMS": "0",
        "affected_questions-MIN_NUM_FORMS": "0",
        "affected_questions-MAX_NUM_FORMS": "1000",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
        "documents-TOTAL_FORMS": "0",
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "1000",
        "action-submit": "true",
    }


def test_a_background_request_never_creates_a_page(client, editor, regulatory_index, make_topic):
    """The CMS journey once failed at « Soumettre » on a new page: autosave posted the form as
    JSON while the browser submitted it, both tried to create the page, and the browser's
    request died on the duplicate slug (a 500, the editor stuck on the add form). A new page
    is created by the editor's own submission only."""
    topic = make_topic(name="Voirie")
    url = f"/admin/pages/add/pages/regulatoryupdatepage/{regulatory_index.pk}/"
    client.force_login(editor)
    for data in (_new_update_form(topic), _without_action(_new_update_form(topic))):
        response = client.post(url, data, HTTP_ACCEPT="application/json")
        assert response.status_code == 400 and response.json()["success"] is False
        assert not Page.objects.filter(slug="nouveau-texte-a-relire").exists()

    response = client.post(url, _new_update_form(topic))
    assert response.status_code == 302
    page = Page.objects.get(slug="nouveau-texte-a-relire").specific
    assert page.current_workflow_state is not None


def _without_action(data):
    return {key: value for key, value in data.items() if not key.startswith("action-")}

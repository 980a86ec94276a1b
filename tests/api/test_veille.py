"""A regulatory update by the API: its detail (`read`), and an editor's draft
(`write:veille`) that still needs a second editor before anything is published or flagged."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from website.api.forms import TokenForm
from website.pages.models import (
    AffectedQuestion,
    HomePage,
    QuestionRecheck,
    RegulatoryIndexPage,
    RegulatoryKind,
    RegulatoryUpdatePage,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def index(db):
    page = RegulatoryIndexPage(title="Veille réglementaire", slug="veille")
    HomePage.objects.get().add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def published(index, topic, make_question):
    update = RegulatoryUpdatePage(
        title="Loi sur l'eau",
        slug="loi-eau",
        kind=RegulatoryKind.LAW,
        official_reference="Loi n° 2026-7 du 3 mars 2026",
        publication_date=datetime.date(2026, 3, 3),
        summary="La compétence eau passe aux CC.",
        body="<p>Le détail.</p>",
    )
    update.topics = [topic]
    update.affected_questions = [AffectedQuestion(question=make_question())]
    index.add_child(instance=update)
    update.save_revision().publish()
    return update


def test_the_detail_of_a_published_update_shows_affected_threads_to_members_only(
    api, make_user, make_token, published, settings
):
    member = api(make_token(make_user(), scopes=["read"]).secret)
    body = member.get(f"/veille/{published.pk}").json()
    assert body["official_reference"] == "Loi n° 2026-7 du 3 mars 2026"
    assert body["body_html"] == "<p>Le détail.</p>"
    assert len(body["affected_questions"]) == 1
    visitor = api().get(f"/veille/{published.pk}").json()
    assert visitor["title"] == "Loi sur l'eau" and visitor["affected_questions"] == []


def test_a_draft_or_unknown_update_is_404(api, index, topic):
    draft = RegulatoryUpdatePage(
        title="Projet",
        slug="projet",
        kind=RegulatoryKind.DECREE,
        official_reference="Décret à venir",
        publication_date=datetime.date(2026, 5, 1),
        summary="Pas encore publié.",
        live=False,
    )
    draft.topics = [topic]
    index.add_child(instance=draft)
    for pk in (draft.pk, 999999):
        response = api().get(f"/veille/{pk}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


PAYLOAD = {
    "title": "Décret relatif au déneigement des voies communales",
    "kind": "decret",
    "official_reference": "Décret n° 2026-1201 du 1er décembre 2026",
    "official_url": "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000000000001",
    "publication_date": "2026-12-01",
    "effective_date": "2027-01-01",
    "topics": ["commande-publique"],
    "summary": "Les communes délibèrent sur le déneigement avant l'hiver.",
    "body_html": '<p>Article 1.<script>alert("x")</script></p><p onclick="x()">Suite</p>',
}


@pytest.fixture
def editor(make_user):
    return make_user(roles=["Éditeurs"])


def test_an_editor_drafts_an_update_that_a_second_editor_publishes_and_then_flags_threads(
    api,
    make_token,
    make_user,
    editor,
    index,
    topic,
    make_question,
    django_capture_on_commit_callbacks,
):
    question = make_question()
    client = api(make_token(editor, scopes=["write:veille"]).secret)

    response = client.post("/veille", PAYLOAD | {"affected_questions": [question.pk]})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["live"] is False and body["in_review"] is True
    assert response["Location"] == body["admin_url"]
    update = RegulatoryUpdatePage.objects.get(pk=body["id"])
    assert update.owner == editor and update.get_parent().specific == index
    assert update.effective_date == datetime.date(2027, 1, 1)
    # The CMS's rich-text field sanitised it, as in the admin.
    assert "script" not in update.body and "onclick" not in update.body
    assert list(update.affected_questions.values_list("question_id", flat=True)) == [question.pk]
    assert not QuestionRecheck.objects.exists()  # nothing is flagged before publication

    # The submitter cannot approve; another editor can, which publishes and flags the thread.
    task_state = update.current_workflow_task_state
    task = task_state.task.specific
    assert task.get_actions(update, editor) == []
    with django_capture_on_commit_callbacks(execute=True):
        task.on_action(task_state, make_user(roles=["Éditeurs"]), "approve")
    update.refresh_from_db()
    assert update.live
    assert list(QuestionRecheck.objects.values_list("question_id", flat=True)) == [question.pk]


def test_who_may_not_draft_gets_403_and_nothing_is_written(
    api, make_token, make_user, index, topic
):
    for user in (make_user(), make_user(roles=["Modérateurs"])):
        response = api(make_token(user, scopes=["write:veille"]).secret).post("/veille", PAYLOAD)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    refused = api(make_token(make_user(roles=["Éditeurs"]), scopes=["read"]).secret).post(
        "/veille", PAYLOAD
    )
    assert refused.json()["code"] == "insufficient_scope"
    assert not RegulatoryUpdatePage.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"topics": ["inconnu"]}, "topics"),
        ({"affected_questions": [999999]}, "affected_questions"),
        ({"effective_date": "2026-01-01"}, "effective_date"),
        ({"publication_date": "le 1er décembre"}, "publication_date"),
        ({"kind": "arrete"}, "kind"),
        ({"live": True}, "live"),
        ({"affected_questions": ["1"]}, "affected_questions"),
    ],
    ids=["topic", "question", "dates", "date", "kind", "unknown-field", "wrong-type"],
)
def test_bad_drafts_are_refused_with_the_field_and_nothing_is_written(
    api, make_token, editor, index, topic, change, field
):
    cache.clear()
    client = api(make_token(editor, scopes=["write:veille"]).secret)
    response = client.post("/veille", PAYLOAD | change)
    assert response.status_code == 422, response.json()
    problem = response.json()
    assert problem["code"] == "invalid_input"
    assert field in [error["loc"][-1] for error in problem["errors"]] or any(
        field in error["loc"] for error in problem["errors"]
    )
    assert not RegulatoryUpdatePage.objects.exists()


def test_the_token_page_offers_write_veille_to_editors_only(make_user, editor):
    def offered(user):
        return [value for value, _label in TokenForm(user=user).fields["scopes"].choices]

    assert "write:veille" in offered(editor)
    assert "write:veille" not in offered(make_user())
    assert "read:directory" in offered(make_user())


def test_the_token_page_shows_the_new_scopes(client, make_user):
    client.force_login(make_user(roles=["Éditeurs"]))
    page = client.get(reverse("api:tokens")).content.decode()
    assert 'value="write:veille"' in page and 'value="read:directory"' in page


@pytest.mark.parametrize(
    "path",
    [
        "/veille/273424636524699286765568",
        "/questions/273424636524699286765568",
        "/people/99999999999999999999",
        "/agenda/meetings/99999999999999999999",
    ],
)
def test_an_id_past_the_databases_integers_is_not_found_not_a_crash(
    api, make_token, make_user, path
):
    """schemathesis found it: SQLite refuses a number past 64 bits (OverflowError, a 500)."""
    member = api(make_token(make_user(), scopes=["read", "read:directory"]).secret)
    response = member.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"

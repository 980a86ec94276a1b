"""Reading through the API: the site's visibility, cursors, ETags, problem details, the
schema and its documentation page, bounded queries."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qa import services as qa_services
from website.api import services as api_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(member, make_token, api):
    return api(make_token(member, scopes=["read"]).secret)


def _ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_the_list_shows_newest_first_and_hides_deleted_threads(reader, make_question, moderator):
    first, second, deleted = make_question(), make_question(), make_question()
    qa_services.post_delete(post=deleted, by=moderator, reason="doublon")
    assert _ids(reader.get("/questions")) == [second.pk, first.pk]


def test_the_list_filters_by_topic_kind_and_status(
    reader, make_question, make_answer, make_topic, moderator
):
    other = make_topic(name="Petite enfance", slug="petite-enfance")
    in_topic = make_question()
    elsewhere = make_question(topics=[other])
    discussion = make_question(kind="discussion", topics=[other])
    answered = make_question()
    answer = make_answer(question=answered)
    qa_services.answer_validate(answer=answer, by=moderator)
    assert _ids(reader.get("/questions", {"topic": "petite-enfance"})) == [
        discussion.pk,
        elsewhere.pk,
    ]
    assert _ids(reader.get("/questions", {"kind": "discussion"})) == [discussion.pk]
    assert answered.pk not in _ids(reader.get("/questions", {"status": "unanswered"}))
    assert in_topic.pk in _ids(reader.get("/questions", {"status": "unanswered"}))
    assert _ids(reader.get("/questions", {"status": "validated"})) == [answered.pk]
    missing = reader.get("/questions", {"topic": "inconnu"})
    assert missing.status_code == 404 and missing.json()["code"] == "topic_not_found"
    bad = reader.get("/questions", {"status": "toutes"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"][-1] == "status"


def test_the_cursor_walks_every_thread_once(reader, make_question):
    created = [make_question().pk for _ in range(7)]
    seen, cursor = [], None
    while True:
        data = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        response = reader.get("/questions", data)
        seen += _ids(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(created, reverse=True)


@pytest.mark.parametrize("change", ["flip", "forged", "garbage"])
def test_a_tampered_cursor_is_refused(reader, make_question, change):
    for _ in range(3):
        make_question()
    cursor = reader.get("/questions", {"limit": 1}).json()["next_cursor"]
    if change == "flip":
        cursor = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    elif change == "forged":
        cursor = '["2099-01-01T00:00:00+00:00", 999999]'
    else:
        cursor = "../../etc/passwd"
    response = reader.get("/questions", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["code"] == "cursor_invalid"
    assert response["Content-Type"] == "application/problem+json"


def test_the_thread_carries_answers_and_comments_as_on_the_site(
    reader, member, make_question, make_answer, make_user
):
    question = make_question()
    answer = make_answer(question=question)
    qa_services.comment_create(post=question, author=make_user(), body="Quelle commune ?")
    qa_services.comment_create(post=answer, author=member, body="Merci **beaucoup**.")
    qa_services.answer_accept(answer=answer, by=question.author)
    data = reader.get(f"/questions/{question.pk}").json()
    assert data["title"] == question.title and data["body_html"].startswith("<p>")
    assert [c["body"] for c in data["comments"]] == ["Quelle commune ?"]
    (got,) = data["answers"]
    assert got["id"] == answer.pk and got["accepted"] is True
    assert got["comments"][0]["body_html"] == "Merci <strong>beaucoup</strong>."


def test_a_deleted_thread_is_refused_to_members_and_shown_to_moderators_admin_tokens(
    reader, make_question, moderator, make_user, make_token, api
):
    question = make_question()
    qa_services.post_delete(post=question, by=moderator, reason="hors sujet")
    refused = reader.get(f"/questions/{question.pk}")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Cette question a été supprimée par la modération."
    new = make_token(moderator, scopes=["read"])
    # Without admin:staff a moderator's token reads as a member's (docs/api.md).
    assert api(new.secret).get(f"/questions/{question.pk}").status_code == 403
    api_services.token_admin_grant(token=new.token, by=make_user(is_superuser=True))
    assert api(new.secret).get(f"/questions/{question.pk}").json()["deleted"] is True
    assert reader.get("/questions/999999").status_code == 404


def test_the_etag_answers_304_until_the_thread_changes(reader, make_question, make_answer):
    question = make_question()
    first = reader.get(f"/questions/{question.pk}")
    etag = first["ETag"]
    assert etag.startswith('"') and "Authorization" in first["Vary"]
    again = reader.get(f"/questions/{question.pk}", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    weak = reader.get(f"/questions/{question.pk}", HTTP_IF_NONE_MATCH=f'"x", W/{etag}')
    assert weak.status_code == 304
    make_answer(question=question)
    changed = reader.get(f"/questions/{question.pk}", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    listed = reader.get("/questions")
    assert reader.get("/questions", HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 304


def test_errors_are_problem_details_in_french_or_in_english(reader):
    french = reader.get("/questions/999999")
    assert french.json() == {
        "type": "about:blank",
        "title": "Introuvable",
        "status": 404,
        "code": "not_found",
        "detail": "Cette question n'existe pas.",
        "instance": "/api/v1/questions/999999",
    }
    english = reader.get("/questions/999999", HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en"
    assert english.json()["title"] == "Not found"
    assert english.json()["detail"] == "This question does not exist."
    unknown = reader.get("/nulle-part/")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"


def test_topics_are_listed_with_their_counts(reader, make_question, topic):
    make_question()
    assert reader.get("/topics").json() == [
        {"slug": topic.slug, "name": topic.name, "question_count": 1}
    ]


def test_search_runs_the_sites_search_with_the_same_permissions(
    reader, make_question, search_index, api
):
    question = make_question(title="Mutualiser le déneigement des routes")
    search_index()
    found = reader.get("/search", {"q": "déneigement"}).json()
    assert [hit["url"].split("testserver")[1] for hit in found["hits"]] == [
        question.get_absolute_url()
    ]
    # Visitors search the public pages only, as on /recherche/ (members-only Q&A).
    assert api().get("/search", {"q": "déneigement"}).json()["total"] == 0


def test_the_schema_is_openapi_3_1_with_the_bearer_scheme(api, db):
    schema = api().get("/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert "/api/v1/questions/{question_id}" in schema["paths"]
    # Every body the API accepts refuses fields it does not name (no mass assignment).
    contents = [
        operation["requestBody"]["content"]
        for item in schema["paths"].values()
        for operation in item.values()
        if "requestBody" in operation
    ]
    bodies = [
        content["application/json"]["schema"]["$ref"].split("/")[-1]
        for content in contents
        if "application/json" in content
    ]
    assert {"QuestionIn", "AcceptIn", "FollowIn", "FlagIn"} <= set(bodies)
    for name in bodies:
        assert schema["components"]["schemas"][name]["additionalProperties"] is False, name
    # The one upload (the directory import) takes a file and nothing else.
    uploads = [
        content["multipart/form-data"]["schema"]
        for content in contents
        if "multipart/form-data" in content
    ]
    assert len(uploads) + len(bodies) == len(contents)
    for upload in uploads:
        assert set(upload["properties"]) == {"file"}, upload


def test_the_docs_page_loads_only_local_assets(api, db):
    page = api().get("/docs").content.decode()
    assert "cdn" not in page.lower() and "https://" not in page and "http://" not in page
    for asset in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui.css", "ninja/swagger-ui-init.js"):
        assert f"/static/{asset}" in page
        assert finders.find(asset), asset
    assert '"validatorUrl": null' in page
    bundle = Path(finders.find("ninja/swagger-ui-init.js")).read_text()
    assert "http" not in bundle


def _queries(client, path):
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_list_and_detail_run_a_bounded_number_of_queries(
    reader, make_question, make_answer, make_user, topic
):
    question = make_question()
    # A thread without comments skips their reads (and the files'): compare with one that has.
    qa_services.comment_create(post=question, author=make_user(), body="Une précision ?")
    make_question()
    reader.get("/topics")  # the token's first use writes `last_used_at`: not counted below
    small_list, small_detail = (
        _queries(reader, "/questions"),
        _queries(reader, f"/questions/{question.pk}"),
    )
    for _ in range(15):
        make_question()
    for _ in range(8):
        answer = make_answer(question=question)
        qa_services.comment_create(post=answer, author=make_user(), body="Bien vu.")
        qa_services.comment_create(post=question, author=make_user(), body="Et ensuite ?")
    assert _queries(reader, "/questions") == small_list
    assert _queries(reader, f"/questions/{question.pk}") == small_detail
    assert small_list <= 8 and small_detail <= 16

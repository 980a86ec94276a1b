"""The errors Django answers before the API's handlers (an oversized body, a wrong method)
are problem documents too, in French or English; the site keeps its HTML pages."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limit(settings):
    settings.REQUEST_BODY_MAX_SIZE = 1000
    return 1000


def test_an_oversized_body_is_a_problem_document_and_writes_nothing(
    small_limit, api, member, make_token, make_question
):
    question = make_question()
    client = api(make_token(member).secret)
    response = client.post(f"/questions/{question.pk}/answers", {"body": "x" * 2000})
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "body_too_large"
    assert body["title"] == "Requête trop volumineuse"
    assert body["detail"].startswith("Le corps de la requête dépasse la taille permise (1")
    assert body["instance"] == f"/api/v1/questions/{question.pk}/answers"
    assert question.answers.count() == 0
    english = client.post(
        f"/questions/{question.pk}/answers", {"body": "x" * 2000}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["title"] == "Request too large"
    assert english["Content-Language"] == "en"


def test_a_visitors_oversized_body_is_refused_the_same_way(small_limit, api):
    response = api().post("/questions", {"title": "x" * 2000})
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_the_site_keeps_its_html_413(small_limit, client):
    response = client.post("/questions/poser/", {"body": "x" * 2000})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("delete", "/questions", "GET, POST"),
        ("patch", "/answers/{a}/vote", "PUT"),
        ("post", "/topics", "GET"),
        ("get", "/answers/{a}/flags", "POST"),
    ],
)
def test_a_wrong_method_is_a_problem_document_with_allow(
    api, member, make_token, make_question, make_answer, method, path, allowed
):
    answer = make_answer(question=make_question())
    client = api(make_token(member).secret).client
    url = "/api/v1" + path.format(a=answer.pk)
    response = getattr(client, method)(
        url,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {make_token(member).secret}",
    )
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response["Allow"] == allowed
    body = response.json()
    assert body["code"] == "method_not_allowed" and body["title"] == "Méthode non permise"
    assert allowed in body["detail"]
    english = getattr(client, method)(
        url, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 405
    assert english.json()["title"] == "Method not allowed"
    assert answer.votes.count() == 0 and not answer.flags.exists()

"""A NUL character in an address, a query string or an API body gets a clear 400 or 422.

PostgreSQL refuses a NUL in any text it is sent (`DataError`): before the fix a filter such as
`/questions/?sujet=a%00b` answered 500 on PostgreSQL (SQLite took it), and the API's schemathesis
run met it at random in a topic slug. The site's forms already refuse it (Django's
`ProhibitNullCharactersValidator`); addresses, query strings and API bodies now do too.
"""

import pytest

from website.api.problems import CONTENT_TYPE

SITE_ADDRESSES = [
    "/questions/?sujet=a%00b",
    "/questions/?q=a%00b&tri=recents",
    "/recherche/?q=a%00b",
    "/annuaire/?q=a%00b",
    "/annuaire/?a%00b=1",
    "/questions/a%00b/",
    "/questions/poser/?sujet=a%00b",
    "/recherche/similaires/?titre=a%00b",
    "/besoins-partages/export.csv?cc=a%00b",
]
API_ADDRESSES = [
    "/api/v1/questions?topic=a%00b",
    "/api/v1/structures/a%00b",
    "/api/v1/pages/faq?topic=a%00b",
]


@pytest.mark.django_db
@pytest.mark.parametrize("address", SITE_ADDRESSES)
def test_a_nul_character_in_a_site_address_gets_a_french_400(client, member, address):
    client.force_login(member)
    response = client.get(address)
    assert response.status_code == 400
    assert "caractère nul" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("address", API_ADDRESSES)
def test_a_nul_character_in_an_api_address_gets_a_problem_document(client, address):
    response = client.get(address, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert response["Content-Type"] == CONTENT_TYPE
    assert "caractère nul" in response.json()["detail"]


@pytest.mark.django_db
def test_a_nul_character_in_an_api_body_is_refused_and_nothing_is_posted(
    client, member, make_topic
):
    from qa.models import Question
    from website.api import services

    topic = make_topic(slug="voirie")
    secret = services.token_create(
        user=member, name="Script", scopes=["read", "write:posts"], days=30
    ).secret
    response = client.post(
        "/api/v1/questions",
        {"title": "Sel de déneigement", "body": "Qui commande ?", "topics": ["voi\x00rie"]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == CONTENT_TYPE
    assert not Question.objects.exists()
    assert topic.slug == "voirie"

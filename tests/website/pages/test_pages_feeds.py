import pytest
from django.urls import reverse

from website.pages.feeds import feed_token_for

pytestmark = pytest.mark.django_db


def test_the_regulatory_feed_is_public_atom(client, make_update, make_topic):
    urbanisme = make_topic(name="Urbanisme")
    make_update(title="Loi ALUR et PLUi", topics=[urbanisme])
    make_update(title="Document unique")
    response = client.get("/flux/veille/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "Loi ALUR et PLUi" in body and "Document unique" in body
    topic_body = client.get("/flux/veille/urbanisme/").content.decode()
    assert "Loi ALUR et PLUi" in topic_body and "Document unique" not in topic_body
    assert client.get("/flux/veille/inconnu/").status_code == 404


def test_drafts_never_reach_the_feed(client, make_update):
    make_update(title="Brouillon secret", publish=False)
    assert "Brouillon secret" not in client.get("/flux/veille/").content.decode()


def test_the_questions_feed_is_refused_to_visitors_when_qa_is_members_only(
    client, make_topic, make_question, settings
):
    settings.PUBLIC_READ = False
    topic = make_topic(name="Finances")
    make_question(topics=[topic], title="Comment répartir le FPIC entre nos communes ?")
    url = reverse("pages:questions_feed", args=["finances"])
    assert client.get(url).status_code == 403
    assert client.get(url, {"jeton": "1-faux"}).status_code == 403


def test_a_member_reads_the_questions_feed_with_their_personal_token(
    client, member, make_topic, make_question, settings
):
    settings.PUBLIC_READ = False
    topic = make_topic(name="Finances")
    make_question(topics=[topic], title="Comment répartir le FPIC entre nos communes ?")
    make_question(title="Une question d'un autre sujet ?")
    url = reverse("pages:questions_feed", args=["finances"])
    body = client.get(url, {"jeton": feed_token_for(member)}).content.decode()
    assert "Comment répartir le FPIC" in body and "autre sujet" not in body


def test_a_changed_password_revokes_the_feed_token(client, member, make_topic, settings):
    settings.PUBLIC_READ = False
    make_topic(name="Finances")
    url = reverse("pages:questions_feed", args=["finances"])
    token = feed_token_for(member)
    member.set_password("un-nouveau-mot-de-passe-2026")
    member.save()
    assert client.get(url, {"jeton": token}).status_code == 403


def test_the_questions_feed_is_public_when_the_site_opens_reading(
    client, make_topic, make_question, settings
):
    settings.PUBLIC_READ = True
    topic = make_topic(name="Finances")
    make_question(topics=[topic], title="Comment répartir le FPIC entre nos communes ?")
    body = client.get(reverse("pages:questions_feed", args=["finances"])).content.decode()
    assert "Comment répartir le FPIC" in body


def test_the_feed_page_gives_members_their_personal_links(client, member, make_topic):
    make_topic(name="Finances")
    body = client.get("/flux/").content.decode()
    assert "/flux/veille/" in body and "jeton=" not in body
    client.force_login(member)
    body = client.get("/flux/").content.decode()
    assert f"jeton={feed_token_for(member)}" in body

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from website.notifications import services as notification_services

pytestmark = pytest.mark.django_db


def feed_token_for(user) -> str:
    """The personal token the feeds page puts in `?jeton=`."""
    return notification_services.feed_token_for(user=user).token


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


def test_the_owner_renews_the_token_and_the_old_address_stops_at_once(
    client, member, make_topic, make_question, settings
):
    settings.PUBLIC_READ = False
    topic = make_topic(name="Finances")
    make_question(topics=[topic], title="Comment répartir le FPIC entre nos communes ?")
    url = reverse("pages:questions_feed", args=["finances"])
    old = feed_token_for(member)
    assert "Comment répartir le FPIC" in client.get(url, {"jeton": old}).content.decode()

    client.force_login(member)
    # The renewal button sits on the notification preferences page, next to the feed address.
    preferences = client.get(reverse("notifications:preferences")).content.decode()
    assert reverse("notifications:feed_regenerate") in preferences
    assert "flux de questions" in preferences
    response = client.post(reverse("notifications:feed_regenerate"), follow=True)
    assert "l&#x27;ancienne ne fonctionne plus" in response.content.decode()
    client.logout()

    refused = client.get(url, {"jeton": old})
    assert refused.status_code == 403
    assert "Comment répartir le FPIC" not in refused.content.decode()
    new = feed_token_for(member)
    assert new != old
    assert "Comment répartir le FPIC" in client.get(url, {"jeton": new}).content.decode()


def age_token(member, days):
    from website.notifications.models import FeedToken

    long_ago = timezone.now() - datetime.timedelta(days=days)
    FeedToken.objects.filter(user=member).update(created_at=long_ago, last_used_at=long_ago)


def test_a_token_unused_for_the_idle_period_expires(
    client, member, make_topic, make_question, settings
):
    settings.PUBLIC_READ = False
    settings.FEED_TOKEN_MAX_IDLE_DAYS = 180
    topic = make_topic(name="Finances")
    make_question(topics=[topic], title="Comment répartir le FPIC entre nos communes ?")
    url = reverse("pages:questions_feed", args=["finances"])
    token = feed_token_for(member)

    age_token(member, 179)
    assert "Comment répartir le FPIC" in client.get(url, {"jeton": token}).content.decode()
    # That use counts: 179 days later it still works.
    from website.notifications.models import FeedToken

    used = FeedToken.objects.get(user=member).last_used_at
    assert timezone.now() - used < datetime.timedelta(minutes=5)

    age_token(member, 181)
    refused = client.get(url, {"jeton": token})
    assert refused.status_code == 403
    assert "Comment répartir le FPIC" not in refused.content.decode()
    # The personal notification feed shares the token and expires with it.
    assert client.get(f"/flux/notifications/{token}/").status_code == 404

    # The member is told on the feeds page, and a renewal gives a working address again.
    client.force_login(member)
    page = client.get("/flux/").content.decode()
    assert "expiré" in page and f"jeton={token}" not in page
    client.post(reverse("notifications:feed_regenerate"))
    renewed = feed_token_for(member)
    assert f"jeton={renewed}" in client.get("/flux/").content.decode()
    client.logout()
    assert "Comment répartir le FPIC" in client.get(url, {"jeton": renewed}).content.decode()


@pytest.mark.parametrize("feed", ["questions", "notifications", "regulatory"])
def test_feeds_answer_reads_only_and_a_post_records_no_use(client, member, make_topic, feed):
    """A feed reader polls with GET; any other method is refused before the token is read, so
    it neither serves the feed nor counts as use of the token."""
    from website.notifications.models import FeedToken

    make_topic(name="Finances")
    token = feed_token_for(member)
    url = {
        "questions": f"/flux/questions/finances/?jeton={token}",
        "notifications": f"/flux/notifications/{token}/",
        "regulatory": "/flux/veille/",
    }[feed]

    refused = client.post(url)

    assert refused.status_code == 405
    assert b"<feed" not in refused.content
    assert FeedToken.objects.get(user=member).last_used_at is None
    assert client.get(url).status_code == 200


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

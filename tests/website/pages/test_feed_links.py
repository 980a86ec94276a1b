"""Feeds you can find (issue 20, item 9): a feed of all questions, one per thread, and a feed
link plus `<link rel="alternate">` on the Q&A pages; `/flux/` linked from the footer and the
preferences page. Members-only content keeps the personal token rule."""

import re

import pytest
from django.urls import reverse

from qa.services import post_delete
from website.notifications import services as notification_services

pytestmark = pytest.mark.django_db


def token_of(user) -> str:
    return notification_services.feed_token_for(user=user).token


def alternate(html) -> list[str]:
    return re.findall(r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" '
                      r'href="([^"]+)">', html)  # fmt: skip


@pytest.fixture
def thread(make_question, make_answer, make_topic):
    question = make_question(
        topics=[make_topic(name="Voirie", slug="voirie")],
        title="Qui déneige les routes départementales ?",
    )
    make_answer(question=question, body="Le Département, par convention avec la commune.")
    return question


# --- The feeds -------------------------------------------------------------------------------


def test_the_all_questions_feed_lists_the_newest_alive_threads_for_a_token(
    client, member, make_question, moderator, settings
):
    settings.PUBLIC_READ = False
    make_question(title="Comment répartir le FPIC entre nos communes ?")
    gone = make_question(title="Une question supprimée depuis ?")
    post_delete(post=gone, by=moderator)
    assert client.get("/flux/questions/").status_code == 403
    response = client.get("/flux/questions/", {"jeton": token_of(member)})
    body = response.content.decode()
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "Comment répartir le FPIC" in body and "supprimée depuis" not in body
    assert response["Cache-Control"] == "private, no-store"


def test_a_thread_feed_gives_its_answers_to_a_member_and_nothing_to_a_visitor(
    client, member, thread, settings
):
    settings.PUBLIC_READ = False
    url = reverse("pages:thread_feed", args=[thread.pk])
    refused = client.get(url)
    assert refused.status_code == 403
    assert "déneige" not in refused.content.decode()
    assert client.get(url, {"jeton": "faux"}).status_code == 403
    body = client.get(url, {"jeton": token_of(member)}).content.decode()
    assert "Qui déneige les routes départementales" in body
    assert "Le Département, par convention" in body
    assert f"#reponse-{thread.answers.get().pk}" in body


def test_a_deleted_thread_has_no_feed_even_with_a_token(
    client, member, moderator, thread, settings
):
    settings.PUBLIC_READ = False
    post_delete(post=thread, by=moderator)
    url = reverse("pages:thread_feed", args=[thread.pk])
    for reader in (member, moderator):
        response = client.get(url, {"jeton": token_of(reader)})
        assert response.status_code == 404
        assert "déneige" not in response.content.decode()
    assert client.get(reverse("pages:thread_feed", args=[999999])).status_code == 403


def test_with_public_reading_a_visitor_reads_a_thread_feed_but_not_a_deleted_one(
    client, moderator, thread, make_question, settings
):
    settings.PUBLIC_READ = True
    url = reverse("pages:thread_feed", args=[thread.pk])
    assert "Le Département, par convention" in client.get(url).content.decode()
    gone = make_question(title="Un fil supprimé par la modération ?")
    post_delete(post=gone, by=moderator)
    assert client.get(reverse("pages:thread_feed", args=[gone.pk])).status_code == 404


# --- Finding them ----------------------------------------------------------------------------


def test_the_qa_pages_offer_their_feed_with_the_members_token(client, member, thread, settings):
    settings.PUBLIC_READ = False
    client.force_login(member)
    token = token_of(member)
    for url, feed in [
        ("/questions/", "/flux/questions/"),
        ("/discussions/", "/flux/questions/"),
        ("/sujets/voirie/", "/flux/questions/voirie/"),
        (thread.get_absolute_url(), f"/flux/fils/{thread.pk}/"),
    ]:
        html = client.get(url).content.decode()
        expected = f"{feed}?jeton={token}"
        assert alternate(html) == [expected], url
        assert f'<a href="{expected}" type="application/atom+xml">Flux Atom' in html, url


def test_a_token_that_expired_unused_is_renewed_and_the_page_links_work(
    client, member, thread, settings
):
    """Every Q&A page makes the member's token; one no feed reader ever used expires unused
    after FEED_TOKEN_MAX_IDLE_DAYS. The pages then offer a fresh one, which a reader can
    open, instead of links that answer 403. A token a reader did use keeps its expiry."""
    from datetime import timedelta

    from django.utils import timezone

    from website.notifications.models import FeedToken

    settings.PUBLIC_READ = False
    client.force_login(member)
    old = token_of(member)
    long_ago = timezone.now() - timedelta(days=settings.FEED_TOKEN_MAX_IDLE_DAYS + 1)
    FeedToken.objects.filter(user=member).update(created_at=long_ago)
    html = client.get(thread.get_absolute_url()).content.decode()
    [link] = alternate(html)
    assert "jeton=" in link and old not in link
    client.logout()
    assert client.get(link).status_code == 200

    FeedToken.objects.filter(user=member).update(created_at=long_ago, last_used_at=long_ago)
    used = token_of(member)
    assert FeedToken.objects.get(user=member).token == used
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert alternate(html) == [f"/flux/fils/{thread.pk}/"]


def test_with_public_reading_the_links_carry_no_token(client, thread, member, settings):
    settings.PUBLIC_READ = True
    html = client.get(thread.get_absolute_url()).content.decode()
    assert alternate(html) == [f"/flux/fils/{thread.pk}/"]
    client.force_login(member)
    html = client.get("/sujets/voirie/").content.decode()
    assert alternate(html) == ["/flux/questions/voirie/"]
    assert "jeton" not in html


def test_the_feeds_page_is_linked_from_the_footer_and_the_preferences(client, member):
    client.force_login(member)
    preferences = client.get(reverse("notifications:preferences")).content.decode()
    footer = preferences[preferences.index("<footer") :]
    assert 'href="/flux/"' in footer
    assert 'href="/flux/">Voir tous les flux Atom du site' in preferences
    index = client.get("/flux/").content.decode()
    assert f'href="/flux/questions/?jeton={token_of(member)}"' in index

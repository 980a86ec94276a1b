"""The centre, marking read, preferences, the header badge and the per-member feed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from website.notifications.kinds import Frequency, Kind, email_kinds
from website.notifications.models import FeedToken, Notification, NotificationPreference

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_notification():
    def _make(user, *, days_ago=0, read=False, title="Une question de commande publique", **kw):
        created = timezone.now() - timedelta(days=days_ago)
        return Notification.objects.create(
            recipient=user,
            kind=kw.pop("kind", Kind.ANSWER),
            event_key=kw.pop("event_key", f"e:{Notification.objects.count()}"),
            title=title,
            url=kw.pop("url", "/questions/4/commande/#reponse-12"),
            actor_name=kw.pop("actor_name", "Camille Exemple"),
            created_at=created,
            read_at=created if read else None,
            **kw,
        )

    return _make


def test_visitors_are_sent_to_the_login_page(client):
    for url in ("/notifications/", "/compte/preferences/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/comptes/login/")


def test_the_centre_lists_my_notifications_grouped_by_day_with_the_exact_link(
    client, member, make_user, make_notification
):
    today = make_notification(member, title="Réponse d'aujourd'hui")
    make_notification(member, days_ago=1, title="Réponse d'hier", read=True, url="/questions/5/x/")
    make_notification(member, days_ago=9, title="Réponse ancienne", url="/questions/6/y/")
    make_notification(make_user(), title="Pas pour moi")
    client.force_login(member)
    response = client.get("/notifications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1>") == 1
    assert "Aujourd'hui" in html and "Hier" in html
    assert html.index("Réponse d&#x27;aujourd&#x27;hui") < html.index("Réponse d&#x27;hier")
    assert html.index("Réponse d&#x27;hier") < html.index("Réponse ancienne")
    assert "Pas pour moi" not in html
    # The link goes through the address that marks it read, then to the notification's target.
    assert f'href="/notifications/{today.pk}/ouvrir/"' in html
    assert "Camille Exemple a répondu" in html
    assert "Vous avez 2 notifications non lues." in html


def test_the_header_badge_counts_unread_notifications_in_one_query(
    client, member, make_notification, django_assert_num_queries
):
    from website.notifications.context_processors import unread

    for _ in range(3):
        make_notification(member)
    client.force_login(member)
    response = client.get("/notifications/")
    assert "3 non lues" in response.content.decode()

    class Request:
        user = member

    context = unread(Request())
    with django_assert_num_queries(1):
        assert context["unread_notifications"]() == 3
        assert context["unread_notifications"]() == 3  # kept for the rest of the page


def test_the_badge_costs_visitors_no_query(rf, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from website.notifications.context_processors import unread

    request = rf.get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread(request) == {"unread_notifications": 0}


def test_mark_read_only_accepts_post_and_only_my_own(client, member, make_user, make_notification):
    mine = make_notification(member)
    theirs = make_notification(make_user())
    client.force_login(member)
    url = reverse("notifications:mark_read", args=[mine.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    mine.refresh_from_db()
    assert mine.is_read
    # Someone else's notification is refused explicitly (404, as for one that does not exist),
    # on the centre with the explanation.
    response = client.post(reverse("notifications:mark_read", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert not theirs.is_read
    assert response.status_code == 404
    assert "n&#x27;est pas la vôtre" in response.content.decode()


def test_mark_read_with_htmx_returns_the_item_and_updates_the_badge(
    client, member, make_notification
):
    first, _second = make_notification(member), make_notification(member)
    client.force_login(member)
    response = client.post(
        reverse("notifications:mark_read", args=[first.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{first.pk}"' in html
    assert "Marquer comme lue" not in html
    assert 'id="unread-count" class="badge" hx-swap-oob="true">1 non lue<' in html
    assert "<html" not in html


def test_mark_all_read(client, member, make_notification):
    for _ in range(3):
        make_notification(member)
    client.force_login(member)
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    assert "Toutes vos notifications sont marquées comme lues." in response.content.decode()
    assert not Notification.objects.unread().exists()


def test_mark_all_read_with_htmx_replaces_the_centre(client, member, make_notification):
    make_notification(member)
    client.force_login(member)
    response = client.post(reverse("notifications:mark_all_read"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="notification-centre"' in html
    assert "Vous avez tout lu." in html
    assert '<span id="unread-count" hx-swap-oob="true"></span>' in html


def test_pending_accounts_cannot_reach_the_centre(client, pending_user):
    client.force_login(pending_user)
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"] == "/compte/en-attente/"


# --- Preferences ---------------------------------------------------------------------------


def _all_kinds(frequency=Frequency.IMMEDIATELY, **overrides):
    data = dict.fromkeys(Kind.values, frequency)
    data.update(overrides)
    return data


def test_preferences_show_the_defaults_then_save_my_choice(client, member):
    client.force_login(member)
    response = client.get("/compte/preferences/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<legend>Nouvelle question dans un sujet que je suis</legend>" in html
    assert 'value="daily" required id="id_question_in_topic_1" checked' in html
    response = client.post(
        "/compte/preferences/", _all_kinds(**{Kind.ANSWER: Frequency.WEEKLY}), follow=True
    )
    assert "Vos préférences de notification sont enregistrées." in response.content.decode()
    assert NotificationPreference.objects.get(user=member, kind=Kind.ANSWER).frequency == "weekly"


def test_a_bad_preference_post_gets_a_clear_french_error_and_changes_nothing(client, member):
    client.force_login(member)
    response = client.post("/compte/preferences/", _all_kinds(**{Kind.ANSWER: "chaque-heure"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "« chaque-heure » n&#x27;est pas une fréquence possible" in html
    assert 'aria-invalid="true"' in html
    assert not NotificationPreference.objects.exists()
    response = client.post("/compte/preferences/", {})
    assert "Choisissez une fréquence pour « Ma réponse acceptée »." in response.content.decode()


def test_preferences_posted_for_another_user_only_change_mine(client, member, make_user):
    other = make_user()
    client.force_login(member)
    client.post("/compte/preferences/", {**_all_kinds(Frequency.NEVER), "user": other.pk})
    assert not NotificationPreference.objects.filter(user=other).exists()
    assert NotificationPreference.objects.filter(user=member, frequency="never").count() == len(
        email_kinds(moderator=False)
    )


# --- Atom feed -----------------------------------------------------------------------------


def test_my_feed_lists_my_notifications_behind_a_secret_url(client, member, make_notification):
    make_notification(member, title="Réponse dans le flux")
    client.force_login(member)
    html = client.get("/compte/preferences/").content.decode()
    token = FeedToken.objects.get(user=member).token
    assert f"/flux/notifications/{token}/" in html
    client.logout()
    response = client.get(f"/flux/notifications/{token}/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    assert "Réponse dans le flux" in body
    assert "/questions/4/commande/#reponse-12" in body


def test_an_unknown_or_regenerated_feed_token_is_not_found(client, member):
    client.force_login(member)
    client.get("/compte/preferences/")
    old = FeedToken.objects.get(user=member).token
    assert client.get("/flux/notifications/nimportequoi/").status_code == 404
    response = client.post(reverse("notifications:feed_regenerate"), follow=True)
    assert "nouvelle adresse secrète" in response.content.decode()
    new = FeedToken.objects.get(user=member).token
    assert new != old
    assert client.get(f"/flux/notifications/{old}/").status_code == 404
    assert client.get(f"/flux/notifications/{new}/").status_code == 200


def test_a_deactivated_members_feed_is_closed(client, member):
    token = FeedToken.objects.create(user=member).token
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get(f"/flux/notifications/{token}/").status_code == 404

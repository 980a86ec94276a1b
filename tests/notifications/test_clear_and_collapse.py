"""Notifications that clear themselves (issue 20, item 8): opening a notification's target
marks it read, with the member's other notifications about that page; answers to one thread
are one line of the centre; « Tout marquer comme lu » stays."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from website.notifications import selectors, services
from website.notifications.kinds import Kind
from website.notifications.models import Notification

pytestmark = pytest.mark.django_db

THREAD = "/questions/4/commande-publique/"


@pytest.fixture
def notify(member):
    def _make(*, user=None, kind=Kind.ANSWER, url=f"{THREAD}#reponse-1", actor="Anne Voisin",
              minutes_ago=0, read=False, title="Commande publique"):  # fmt: skip
        created = timezone.now() - timedelta(minutes=minutes_ago)
        return Notification.objects.create(
            recipient=user or member,
            kind=kind,
            event_key=f"e:{Notification.objects.count()}",
            title=title,
            url=url,
            actor_name=actor,
            created_at=created,
            read_at=created if read else None,
        )

    return _make


def _unread(user):
    return set(Notification.objects.for_user(user).unread().values_list("pk", flat=True))


# --- Opening a notification ------------------------------------------------------------------


def test_opening_marks_read_every_unread_notification_about_that_page_and_only_those(
    member, notify
):
    answer = notify(url=f"{THREAD}#reponse-1")
    other_answer = notify(url=f"{THREAD}#reponse-2")
    comment = notify(kind=Kind.COMMENT, url=f"{THREAD}#commentaire-7")
    elsewhere = notify(url="/questions/5/autre/#reponse-9")
    number_lookalike = notify(url="/questions/40/commande-publique/#reponse-3")
    link = services.notification_open(user=member, notification_id=answer.pk)
    assert link == f"{THREAD}#reponse-1"
    assert _unread(member) == {elsewhere.pk, number_lookalike.pk}
    assert other_answer.pk not in _unread(member) and comment.pk not in _unread(member)


def test_a_thread_keeps_its_notifications_together_after_its_title_changed(member, notify):
    """A title edit changes the thread's slug: notifications written before and after it
    point at the same thread, so they open and collapse together."""
    before = notify(url="/questions/4/ancien-titre/#reponse-1", minutes_ago=10)
    after = notify(url=f"{THREAD}#reponse-2")
    lines = selectors.collapse_answers(Notification.objects.for_user(member).order_by("-pk"))
    assert len(lines) == 1 and lines[0].ids == [after.pk, before.pk]
    services.notification_open(user=member, notification_id=after.pk)
    assert _unread(member) == set()


def test_a_link_the_browser_would_read_as_another_site_opens_the_centre(member, notify):
    for url in ("/\\evil.example.org/", "/\\/evil.example.org/", "/\t/evil.example.org/"):
        assert notify(url=url).link == "/notifications/"


def test_opening_someone_elses_notification_does_nothing(member, make_user, notify):
    theirs = notify(user=make_user())
    assert services.notification_open(user=member, notification_id=theirs.pk) is None
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_the_open_link_marks_read_and_leads_to_the_target(
    client, member, notify, django_assert_max_num_queries
):
    notification = notify()
    client.force_login(member)
    url = reverse("notifications:open", args=[notification.pk])
    assert url == f"/notifications/{notification.pk}/ouvrir/"
    with django_assert_max_num_queries(6):  # session, user, roles, the notification, the update
        response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{THREAD}#reponse-1"
    notification.refresh_from_db()
    assert notification.is_read


def test_the_open_link_refuses_others_posts_and_visitors(client, member, make_user, notify):
    theirs = notify(user=make_user())
    url = reverse("notifications:open", args=[theirs.pk])
    assert client.get(url)["Location"].startswith("/comptes/login/")
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 404
    assert "n&#x27;est pas la vôtre" in response.content.decode()
    assert client.post(url).status_code == 405
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_a_notification_pointing_off_site_opens_the_centre(client, member, notify):
    odd = notify(url="https://ailleurs.example/")
    client.force_login(member)
    response = client.get(reverse("notifications:open", args=[odd.pk]))
    assert response["Location"] == "/notifications/"


# --- One line per thread in the centre -------------------------------------------------------


def test_three_answers_to_one_thread_are_one_line_in_the_centre(client, member, notify):
    first = notify(actor="Anne Voisin", minutes_ago=30, url=f"{THREAD}#reponse-1")
    notify(actor="Basile Voisin", minutes_ago=20, url=f"{THREAD}#reponse-2")
    newest = notify(actor="Anne Voisin", minutes_ago=10, url=f"{THREAD}#reponse-3")
    lone = notify(url="/questions/40/autre/#reponse-9", title="Un autre fil", minutes_ago=5)
    comment = notify(kind=Kind.COMMENT, url=f"{THREAD}#commentaire-7", minutes_ago=1)
    client.force_login(member)
    html = client.get("/notifications/").content.decode()
    assert "3 nouvelles réponses à" in html
    assert "Par Anne Voisin, Basile Voisin" in html
    assert html.count('class="notification notification--unread"') == 3  # group, lone, comment
    assert f'href="/notifications/{newest.pk}/ouvrir/"' in html
    assert f'id="notification-{first.pk}"' not in html
    assert f'id="notification-{lone.pk}"' in html and f'id="notification-{comment.pk}"' in html
    for pk in (first.pk, newest.pk):
        assert f'name="ids" value="{pk}"' in html
    assert "Tout marquer comme lu" in html


def test_read_and_unread_answers_of_a_thread_stay_apart(client, member, notify):
    notify(minutes_ago=30, read=True)
    notify(minutes_ago=20, read=True)
    notify(minutes_ago=10)
    client.force_login(member)
    html = client.get("/notifications/").content.decode()
    assert "2 réponses à" in html
    assert "Anne Voisin a répondu" in html  # the unread one alone
    assert "nouvelles réponses" not in html


def test_marking_a_line_read_marks_all_its_answers_with_htmx(client, member, notify):
    answers = [notify(minutes_ago=m, url=f"{THREAD}#reponse-{m}") for m in (30, 20, 10)]
    other = notify(url="/questions/40/autre/#reponse-9")
    newest = answers[-1]
    client.force_login(member)
    response = client.post(
        reverse("notifications:mark_read", args=[newest.pk]),
        {"ids": [a.pk for a in answers] + [999999, "x"]},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 réponses à" in html and "Lues" in html
    assert _unread(member) == {other.pk}


def test_marking_a_line_read_cannot_reach_someone_elses(client, member, make_user, notify):
    mine = notify()
    theirs = notify(user=make_user())
    client.force_login(member)
    client.post(reverse("notifications:mark_read", args=[mine.pk]), {"ids": [theirs.pk]})
    theirs.refresh_from_db()
    assert not theirs.is_read
    assert _unread(member) == set()

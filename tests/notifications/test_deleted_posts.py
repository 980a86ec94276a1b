"""Security finding 5: a post a moderator deletes does not live on in notifications.

Its title (when the thread goes) and excerpt leave the centre, the private Atom feed, the
outbox and the digests; pending e-mails about it are cancelled. Restoring the post brings
back the post on the site, not the redacted copies (docs/security.md, finding 5).
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from website.notifications.digests import send_digests
from website.notifications.kinds import Frequency, Kind
from website.notifications.models import DeliveryStatus, EmailDelivery, FeedToken, Notification
from website.notifications.services import preferences_set

pytestmark = pytest.mark.django_db

SECRET = "MARQUEUR-SANTE Mme Durand est en arrêt maladie pour dépression"
TITLE = "MARQUEUR-TITRE Licenciement de M. Martin agent technique"


def _everything_stored_for(user) -> str:
    """Every text the notification layer keeps for a member: rows and their e-mails."""
    rows = Notification.objects.filter(recipient=user).values_list("title", "excerpt", "url")
    mails = EmailDelivery.objects.filter(recipient=user).values_list(
        "subject", "body_text", "body_html"
    )
    return repr(list(rows)) + repr(list(mails))


def _feed(client, user) -> str:
    token = FeedToken.objects.get_or_create(user=user)[0].token
    client.logout()
    response = client.get(f"/flux/notifications/{token}/")
    assert response.status_code == 200
    return response.content.decode()


def _centre(client, user) -> str:
    client.force_login(user)
    response = client.get("/notifications/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def delete(client, moderator, committed):
    """`delete(path)`: a moderator deletes a post through the site (signals really fire)."""

    def _delete(path):
        client.force_login(moderator)
        with committed():
            response = client.post(path, {"reason": "Données personnelles"})
        assert response.status_code == 302

    return _delete


@pytest.fixture
def worker_not_run(monkeypatch):
    """E-mails stay in the outbox as PENDING, as when the worker has not picked them up yet."""
    monkeypatch.setattr("website.notifications.tasks.enqueue_email", lambda delivery_id: None)
    return monkeypatch


def test_a_deleted_answer_leaves_the_centre_feed_and_outbox_of_the_asker(
    client, make_user, delete, ask, answer
):
    asker, answerer = make_user(), make_user()
    question = ask(asker)
    posted = answer(answerer, question, body=SECRET)
    assert SECRET in _centre(client, asker)
    assert SECRET in _everything_stored_for(asker)  # the e-mail went at once

    delete(f"/reponses/{posted.pk}/supprimer/")

    centre = _centre(client, asker)
    assert "MARQUEUR-SANTE" not in centre
    assert "Message supprimé" in centre
    # The thread is alive: its title and link stay.
    assert question.title in centre
    feed = _feed(client, asker)
    assert "MARQUEUR-SANTE" not in feed and "Message supprimé" in feed
    assert "MARQUEUR-SANTE" not in _everything_stored_for(asker)


def test_a_deleted_thread_leaves_neither_title_nor_excerpt_nor_slug(
    client, make_user, delete, ask, answer, make_topic, follow_topic
):
    topic = make_topic()
    asker, follower, answerer = make_user(), make_user(), make_user()
    follow_topic(follower, topic)
    question = ask(asker, topics=[topic], title=TITLE)
    answer(answerer, question, body=SECRET)
    assert "MARQUEUR-TITRE" in _centre(client, follower)
    assert "MARQUEUR-SANTE" in _centre(client, asker)

    delete(f"/questions/{question.pk}/supprimer/")

    centre = _centre(client, follower)
    assert "MARQUEUR" not in centre and "marqueur-titre" not in centre
    assert "Message supprimé" in centre
    # The centre's link opens the notification (/ouvrir/), which leads to the slug-less address.
    opened = Notification.objects.get(recipient=follower)
    assert f'href="/notifications/{opened.pk}/ouvrir/"' in centre
    assert client.get(f"/notifications/{opened.pk}/ouvrir/")["Location"] == (
        f"/questions/{question.pk}/"
    )
    feed = _feed(client, follower)
    assert "MARQUEUR" not in feed and "marqueur-titre" not in feed
    assert "Message supprimé" in feed
    stored = _everything_stored_for(follower)
    assert "MARQUEUR" not in stored and "marqueur-titre" not in stored
    # The asker keeps only the moderation notice about their own thread (last test).
    for text in (_centre(client, asker), _feed(client, asker), _everything_stored_for(asker)):
        assert "MARQUEUR-SANTE" not in text


def test_pending_emails_about_a_deleted_post_are_cancelled_and_never_sent(
    make_user, delete, ask, answer, worker_not_run, mailoutbox
):
    asker, answerer = make_user(), make_user()
    question = ask(asker)
    posted = answer(answerer, question, body=SECRET)
    delivery = EmailDelivery.objects.get(recipient=asker)
    assert delivery.status == DeliveryStatus.PENDING and SECRET in delivery.body_text

    delete(f"/reponses/{posted.pk}/supprimer/")

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CANCELLED
    assert "MARQUEUR-SANTE" not in delivery.body_text + delivery.body_html
    call_command("send_pending_emails")
    assert [m for m in mailoutbox if "MARQUEUR" in m.body] == []


def test_the_digest_skips_a_deleted_thread(
    make_user, delete, ask, make_topic, follow_topic, committed, mailoutbox
):
    topic = make_topic(name="Ressources humaines")
    follower = make_user()
    follow_topic(follower, topic)
    deleted = ask(make_user(), topics=[topic], title=TITLE)
    ask(make_user(), topics=[topic], title="Quel logiciel de paie choisir ?")

    delete(f"/questions/{deleted.pk}/supprimer/")

    with committed():
        send_digests(frequency=Frequency.DAILY)
    [digest] = [m for m in mailoutbox if m.to == [follower.email]]
    assert "Quel logiciel de paie choisir ?" in digest.body
    assert "MARQUEUR" not in digest.body and "Message supprimé" not in digest.body
    assert "MARQUEUR" not in digest.alternatives[0][0]


def test_a_queued_digest_holding_a_deleted_post_is_withdrawn_and_the_rest_sent_later(
    make_user, delete, ask, make_topic, follow_topic, committed, worker_not_run, mailoutbox
):
    topic = make_topic(name="Ressources humaines")
    follower = make_user()
    follow_topic(follower, topic)
    deleted = ask(make_user(), topics=[topic], title=TITLE)
    ask(make_user(), topics=[topic], title="Quel logiciel de paie choisir ?")
    with committed():
        send_digests(frequency=Frequency.DAILY)
    digest = EmailDelivery.objects.get(recipient=follower)
    assert digest.status == DeliveryStatus.PENDING and "MARQUEUR-TITRE" in digest.body_text

    delete(f"/questions/{deleted.pk}/supprimer/")

    digest.refresh_from_db()
    assert digest.status == DeliveryStatus.CANCELLED
    assert "MARQUEUR" not in digest.subject + digest.body_text + digest.body_html
    worker_not_run.undo()
    call_command("send_pending_emails")
    assert [m for m in mailoutbox if m.to == [follower.email]] == []
    with committed():
        send_digests(frequency=Frequency.DAILY, now=timezone.now() + timedelta(days=1))
    [later] = [m for m in mailoutbox if m.to == [follower.email]]
    assert "Quel logiciel de paie choisir ?" in later.body and "MARQUEUR" not in later.body


def test_restoring_a_post_brings_back_the_post_not_the_redacted_copies(
    client, make_user, moderator, delete, ask, answer
):
    asker = make_user()
    question = ask(asker)
    posted = answer(make_user(), question, body=SECRET)
    delete(f"/reponses/{posted.pk}/supprimer/")
    client.force_login(moderator)
    assert client.post(f"/reponses/{posted.pk}/restaurer/").status_code == 302

    centre = _centre(client, asker)
    assert "MARQUEUR-SANTE" not in centre and "Message supprimé" in centre
    thread = client.get(question.get_absolute_url()).content.decode()
    assert "MARQUEUR-SANTE" in thread


def test_the_author_keeps_the_moderation_notice_naming_their_own_thread(make_user, delete, ask):
    asker = make_user()
    preferences_set(user=asker, frequencies={Kind.MODERATION: Frequency.NEVER})
    question = ask(asker, title=TITLE)
    delete(f"/questions/{question.pk}/supprimer/")
    notice = Notification.objects.get(recipient=asker, kind=Kind.MODERATION)
    assert notice.title == TITLE
    assert "Données personnelles" in notice.excerpt


def test_an_acceptance_fanned_out_after_the_deletion_notifies_nobody(
    make_user, delete, ask, answer
):
    """With the database task backend the fan-out runs later: by then the post may be gone."""
    from website.notifications.events import handle

    asker, answerer = make_user(), make_user()
    posted = answer(answerer, ask(asker, title=TITLE), body=SECRET)
    delete(f"/reponses/{posted.pk}/supprimer/")
    for event in ("answer_accepted", "answer_validated"):
        assert handle(event, {"answer_id": posted.pk, "by_id": asker.pk}) == []
    assert not Notification.objects.filter(
        recipient=answerer, kind__in=[Kind.ANSWER_ACCEPTED, Kind.ANSWER_VALIDATED]
    ).exists()

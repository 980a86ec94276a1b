"""An agenda subject's people hear when it is discussed and when its minutes are published."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Page

from qa.agenda import services as agenda_services
from qa.agenda import signals as agenda_signals
from website.notifications import events
from website.notifications.kinds import Frequency, Kind
from website.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(make_user, moderator, make_topic, committed):
    author, supporter, bystander = make_user(), make_user(), make_user()
    with committed():
        proposal = agenda_services.proposal_create(
            author=author,
            title="Mutualiser le déneigement des routes",
            rationale="Chaque commune loue sa lame.",
            topics=[make_topic()],
        )
        agenda_services.proposal_support(proposal=proposal, user=supporter)
        agenda_services.proposal_support(proposal=proposal, user=moderator)
        meeting = agenda_services.meeting_create(
            created_by=moderator,
            title="Conseil communautaire d'hiver",
            starts_at=timezone.now() + timedelta(days=3),
            place="Castellane",
        )
        agenda_services.proposal_schedule(proposal=proposal, meeting=meeting, by=moderator)
    Notification.objects.all().delete()
    return proposal, author, supporter, bystander


def recipients(kind):
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_marking_discussed_tells_the_author_and_supporters_not_the_moderator(
    scheduled, moderator, committed
):
    proposal, author, supporter, bystander = scheduled
    with committed():
        agenda_services.proposal_mark_discussed(proposal=proposal, by=moderator)
    assert recipients(Kind.PROPOSAL_DISCUSSED) == {author.pk, supporter.pk}
    notification = Notification.objects.get(recipient=supporter)
    assert notification.url == proposal.get_absolute_url()
    assert "sera publié plus tard" in notification.excerpt
    assert "Conseil communautaire d'hiver" in notification.excerpt


def test_discussed_with_minutes_says_the_minutes_are_online(scheduled, moderator, committed):
    proposal, author, supporter, _ = scheduled
    with committed():
        agenda_services.proposal_mark_discussed(
            proposal=proposal, by=moderator, minutes_url="https://cc.example.org/cr.pdf"
        )
    assert recipients(Kind.PROPOSAL_DISCUSSED) == {author.pk, supporter.pk}
    assert "en ligne" in Notification.objects.get(recipient=author).excerpt
    assert recipients(Kind.PROPOSAL_MINUTES) == set()


def test_publishing_minutes_later_tells_them_again_once_per_publication(
    scheduled, moderator, committed
):
    proposal, author, supporter, _ = scheduled
    with committed():
        agenda_services.proposal_mark_discussed(proposal=proposal, by=moderator)
    with committed():
        agenda_services.proposal_minutes_publish(
            proposal=proposal, by=moderator, minutes_url="https://cc.example.org/cr.pdf"
        )
    assert recipients(Kind.PROPOSAL_MINUTES) == {author.pk, supporter.pk}
    with committed():
        agenda_services.proposal_minutes_publish(
            proposal=proposal, by=moderator, minutes_url="https://cc.example.org/cr-v2.pdf"
        )
    assert Notification.objects.filter(kind=Kind.PROPOSAL_MINUTES).count() == 4


def test_minutes_on_the_site_link_the_document_or_the_page(scheduled, moderator, committed):
    proposal, *_ = scheduled
    document = get_document_model().objects.create(title="CR du conseil", file="documents/cr.pdf")
    with committed():
        agenda_services.proposal_mark_discussed(
            proposal=proposal,
            by=moderator,
            minutes_url=f"https://entraide.example.org/documents/{document.pk}/cr.pdf",
            host="entraide.example.org",
        )
    proposal.refresh_from_db()
    assert proposal.minutes_document == document
    assert proposal.minutes_url == ""
    assert proposal.minutes_link == document.url

    page = Page.objects.live().filter(depth=2).first()
    child = page.get_children().live().first() or page
    with committed():
        agenda_services.proposal_minutes_publish(
            proposal=proposal,
            by=moderator,
            minutes_url=f"http://entraide.example.org{child.url}",
            host="entraide.example.org",
        )
    proposal.refresh_from_db()
    assert proposal.minutes_page_id == child.pk
    assert proposal.minutes_document is None
    assert proposal.minutes_link == child.url


def test_an_address_of_another_site_is_kept_as_typed(scheduled, moderator, committed):
    proposal, *_ = scheduled
    with committed():
        agenda_services.proposal_mark_discussed(
            proposal=proposal,
            by=moderator,
            minutes_url="https://autre.example.net/documents/1/cr.pdf",
            host="entraide.example.org",
        )
    proposal.refresh_from_db()
    assert proposal.minutes_document is None
    assert proposal.minutes_url == "https://autre.example.net/documents/1/cr.pdf"


# --- A cancelled meeting -------------------------------------------------------------------


def _cancel_page(client, moderator, meeting, reason):
    client.force_login(moderator)
    return client.post(f"/ordre-du-jour/reunions/{meeting.pk}/annuler/", {"reason": reason})


def test_cancelling_a_meeting_tells_its_subjects_people_on_the_site_and_by_e_mail(
    scheduled, moderator, committed, client, mailoutbox
):
    proposal, author, supporter, bystander = scheduled
    meeting = proposal.meeting
    mailoutbox.clear()  # the scheduling's e-mails
    with committed():
        response = _cancel_page(client, moderator, meeting, "Tempête de neige")
    assert response.status_code == 302
    assert recipients(Kind.MEETING_CANCELLED) == {author.pk, supporter.pk}  # not the moderator
    notification = Notification.objects.get(recipient=supporter)
    assert notification.title == "Conseil communautaire d'hiver"
    assert notification.url == meeting.get_absolute_url()
    assert "est annulée" in notification.excerpt
    assert "reviennent parmi les propositions ouvertes" in notification.excerpt
    assert "Motif : Tempête de neige" in notification.excerpt
    assert notification.actor_id == moderator.pk
    assert sorted(m.to[0] for m in mailoutbox) == sorted([author.email, supporter.email])
    message = next(m for m in mailoutbox if m.to == [supporter.email])
    assert "Conseil communautaire d'hiver" in message.subject
    assert meeting.get_absolute_url() in message.body
    # On the site: the supporter's notifications page names the cancelled meeting.
    client.force_login(supporter)
    page = client.get("/notifications/").content.decode()
    assert "Une réunion où figurait une proposition que vous soutenez est annulée" in page
    assert "Conseil communautaire d&#x27;hiver" in page or "Conseil communautaire d'hiver" in page


def test_the_e_mail_follows_each_members_preference(scheduled, moderator, committed, mailoutbox):
    proposal, author, supporter, _ = scheduled
    NotificationPreference.objects.create(
        user=supporter, kind=Kind.MEETING_CANCELLED, frequency=Frequency.NEVER
    )
    mailoutbox.clear()
    with committed():
        agenda_services.meeting_cancel(meeting=proposal.meeting, by=moderator)
    assert recipients(Kind.MEETING_CANCELLED) == {author.pk, supporter.pk}
    assert [m.to for m in mailoutbox] == [[author.email]]  # the supporter: on the site only
    assert Notification.objects.get(recipient=supporter).email_delivery is None


def test_a_retried_cancel_tells_nobody_twice(scheduled, moderator, committed, client, mailoutbox):
    proposal, author, supporter, _ = scheduled
    meeting = proposal.meeting
    mailoutbox.clear()
    with committed():
        _cancel_page(client, moderator, meeting, "Tempête de neige")
    with committed():
        response = _cancel_page(client, moderator, meeting, "Tempête de neige")
    assert response.status_code == 400
    assert "Cette réunion est déjà annulée." in response.content.decode()
    with pytest.raises(ValidationError), committed():
        agenda_services.meeting_cancel(meeting=meeting, by=moderator)
    # A fan-out task run again (a worker retry) adds nothing either.
    payload = {"meeting_id": meeting.pk, "by_id": moderator.pk, "proposal_ids": [proposal.pk]}
    with committed():
        assert events.handle("meeting_cancelled", payload) == []
    assert Notification.objects.filter(kind=Kind.MEETING_CANCELLED).count() == 2
    assert len(mailoutbox) == 2


def test_a_meeting_without_subjects_or_not_cancelled_tells_nobody(moderator, committed):
    with committed():
        meeting = agenda_services.meeting_create(
            created_by=moderator,
            title="Bureau de printemps",
            starts_at=timezone.now() + timedelta(days=9),
            place="Digne",
        )
    assert events.handle("meeting_cancelled", {"meeting_id": meeting.pk, "proposal_ids": []}) == []
    with committed():
        agenda_services.meeting_cancel(meeting=meeting, by=moderator)
    assert not Notification.objects.filter(kind=Kind.MEETING_CANCELLED).exists()


def test_the_signal_is_sent_only_after_the_commit(scheduled, moderator):
    proposal, *_ = scheduled
    sent = []
    agenda_signals.meeting_cancelled.connect(
        lambda **kwargs: sent.append(kwargs["proposal_ids"]), dispatch_uid="test_cancel"
    )
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            agenda_services.meeting_cancel(meeting=proposal.meeting, by=moderator)
            raise RuntimeError("rolled back")
    finally:
        agenda_signals.meeting_cancelled.disconnect(dispatch_uid="test_cancel")
    assert sent == []
    assert not Notification.objects.filter(kind=Kind.MEETING_CANCELLED).exists()

"""An agenda subject's people hear when it is discussed and when its minutes are published."""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Page

from qa.agenda import services as agenda_services
from website.notifications.kinds import Kind
from website.notifications.models import Notification

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

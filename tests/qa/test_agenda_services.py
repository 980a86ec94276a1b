"""Agenda services: proposing, supporting, scheduling, marking discussed; invariants and signals."""

import datetime

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from qa.agenda import selectors, services
from qa.agenda.models import Proposal, ProposalStatus, Support
from qa.agenda.signals import proposal_scheduled

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in the cache, which outlives each test's database."""
    cache.clear()


def propose(author, topics, title="Mutualiser l'instruction des permis", **extra):
    return services.proposal_create(
        author=author,
        title=title,
        rationale="Chaque commune instruit seule.",
        topics=topics,
        **extra,
    )


def meeting(moderator, days=10, **extra):
    defaults = {"title": "Temps d'échange de printemps", "place": "Salle des fêtes de Castellane"}
    return services.meeting_create(
        created_by=moderator,
        starts_at=timezone.now() + datetime.timedelta(days=days),
        **(defaults | extra),
    )


def test_the_proposer_supports_their_own_proposal_from_the_start(member, make_topic):
    proposal = propose(member, [make_topic()])
    assert proposal.status == ProposalStatus.OPEN
    assert proposal.support_count == 1
    assert Support.objects.filter(proposal=proposal, user=member).exists()


def test_a_proposal_needs_one_to_five_topics(member, make_topic):
    with pytest.raises(ValidationError) as error:
        propose(member, [])
    assert "topics" in error.value.error_dict
    with pytest.raises(ValidationError):
        propose(member, [make_topic() for _ in range(6)])
    assert not Proposal.objects.exists()


def test_a_title_that_is_too_short_is_refused(member, make_topic):
    with pytest.raises(ValidationError) as error:
        propose(member, [make_topic()], title="Court")
    assert "title" in error.value.error_dict


def test_the_same_member_cannot_propose_the_same_open_subject_twice(member, make_topic):
    topic = make_topic()
    propose(member, [topic])
    with pytest.raises(ValidationError) as error:
        propose(member, [topic], title="MUTUALISER l'instruction des permis")
    assert "déjà proposé" in error.value.error_dict["title"][0].message
    assert Proposal.objects.count() == 1


def test_supporting_twice_counts_once(member, make_user, make_topic):
    proposal = propose(member, [make_topic()])
    other = make_user()
    assert services.proposal_support(proposal=proposal, user=other) is True
    assert services.proposal_support(proposal=proposal, user=other) is False
    proposal.refresh_from_db()
    assert proposal.support_count == 2
    assert proposal.supports.count() == 2


def test_withdrawing_support_lowers_the_count_and_the_author_keeps_theirs(
    member, make_user, make_topic
):
    proposal = propose(member, [make_topic()])
    other = make_user()
    services.proposal_support(proposal=proposal, user=other)
    assert services.proposal_unsupport(proposal=proposal, user=other) is True
    assert services.proposal_unsupport(proposal=proposal, user=other) is False
    assert proposal.support_count == 1
    with pytest.raises(ValidationError):
        services.proposal_unsupport(proposal=proposal, user=member)
    assert proposal.support_count == 1


def test_scheduling_sends_proposal_scheduled_after_commit(
    member, moderator, make_topic, django_capture_on_commit_callbacks
):
    proposal = propose(member, [make_topic()])
    session = meeting(moderator)
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    proposal_scheduled.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.proposal_schedule(proposal=proposal, meeting=session, by=moderator)
        assert received == []
        for callback in callbacks:
            callback()
    finally:
        proposal_scheduled.disconnect(receiver)
    assert received[0]["proposal"] == proposal
    assert received[0]["meeting"] == session
    assert received[0]["scheduled_by"] == moderator
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SCHEDULED
    assert proposal.meeting == session


def test_marking_discussed_needs_a_scheduled_proposal_and_records_the_minutes(
    member, moderator, make_topic, django_capture_on_commit_callbacks
):
    proposal = propose(member, [make_topic()])
    with pytest.raises(ValidationError):
        services.proposal_mark_discussed(
            proposal=proposal, minutes_url="https://example.org/cr.pdf", by=moderator
        )
    services.proposal_schedule(proposal=proposal, meeting=meeting(moderator), by=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_mark_discussed(
            proposal=proposal, minutes_url="https://example.org/cr.pdf", by=moderator
        )
    assert proposal.status == ProposalStatus.DISCUSSED
    assert proposal.minutes_url == "https://example.org/cr.pdf"
    assert proposal.minutes_link == "https://example.org/cr.pdf"
    assert proposal.discussed_at is not None
    assert proposal.minutes_published_at is not None


def test_minutes_may_come_after_the_debate_but_only_for_a_discussed_proposal(
    member, moderator, make_topic
):
    proposal = propose(member, [make_topic()])
    with pytest.raises(ValidationError):
        services.proposal_minutes_publish(
            proposal=proposal, minutes_url="https://example.org/cr.pdf", by=moderator
        )
    services.proposal_schedule(proposal=proposal, meeting=meeting(moderator), by=moderator)
    services.proposal_mark_discussed(proposal=proposal, by=moderator)
    assert proposal.status == ProposalStatus.DISCUSSED
    assert not proposal.has_minutes
    with pytest.raises(ValidationError) as error:
        services.proposal_minutes_publish(proposal=proposal, minutes_url=" ", by=moderator)
    assert "Indiquez le lien vers le compte rendu." in str(error.value)
    services.proposal_minutes_publish(
        proposal=proposal, minutes_url="https://example.org/cr.pdf", by=moderator
    )
    assert proposal.minutes_link == "https://example.org/cr.pdf"


def test_a_past_meeting_cannot_take_new_subjects(member, moderator, make_topic):
    proposal = propose(member, [make_topic()])
    session = meeting(moderator)
    session.starts_at = timezone.now() - datetime.timedelta(days=1)
    session.save()
    with pytest.raises(ValidationError):
        services.proposal_schedule(proposal=proposal, meeting=session, by=moderator)


def test_a_meeting_needs_a_place_or_a_video_link(moderator):
    with pytest.raises(ValidationError) as error:
        meeting(moderator, place="")
    assert "lieu" in str(error.value)
    assert meeting(moderator, place="", video_url="https://visio.example.org/a3v").pk


def test_a_withdrawn_proposal_cannot_be_supported_any_more(member, make_user, make_topic):
    proposal = propose(member, [make_topic()])
    services.proposal_withdraw(proposal=proposal, by=member)
    with pytest.raises(ValidationError):
        services.proposal_support(proposal=proposal, user=make_user())


def test_new_members_are_rate_limited_and_older_members_are_not(member, make_user, make_topic):
    topic = make_topic()
    for number in range(settings.AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY):
        services.proposal_rate_limit_check(user=member)
        with services.proposal_quota(user=member):
            propose(member, [topic], title=f"Sujet numéro {number} à débattre")
    with pytest.raises(services.RateLimited):
        services.proposal_rate_limit_check(user=member)
    with pytest.raises(services.RateLimited), services.proposal_quota(user=member):
        propose(member, [topic], title="Un sujet de trop aujourd'hui")
    assert not Proposal.objects.filter(title="Un sujet de trop aujourd'hui").exists()
    veteran = make_user(approved_at=timezone.now() - datetime.timedelta(days=400))
    veteran.date_joined = timezone.now() - datetime.timedelta(days=400)
    veteran.save()
    for number in range(settings.AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY + 1):
        services.proposal_rate_limit_check(user=veteran)
        with services.proposal_quota(user=veteran):
            propose(veteran, [topic], title=f"Sujet ancien numéro {number}")


def test_a_proposal_that_fails_gives_its_quota_back(member, make_topic):
    topic = make_topic()
    with services.proposal_quota(user=member):
        propose(member, [topic], title="Un sujet proposé deux fois")
    for _double_click in range(settings.AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY):
        with pytest.raises(ValidationError), services.proposal_quota(user=member):
            propose(member, [topic], title="Un sujet proposé deux fois")
    for number in range(settings.AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY - 1):
        with services.proposal_quota(user=member):
            propose(member, [topic], title=f"Un autre sujet numéro {number}")
    with pytest.raises(services.RateLimited), services.proposal_quota(user=member):
        propose(member, [topic], title="Encore un autre sujet")


def test_home_page_selectors_give_the_next_meeting_and_the_most_supported(
    member, moderator, make_user, make_topic
):
    topic = make_topic()
    quiet = propose(member, [topic], title="Un sujet peu soutenu ici")
    popular = propose(member, [topic], title="Un sujet très soutenu ici")
    for _ in range(3):
        services.proposal_support(proposal=popular, user=make_user())
    later = meeting(moderator, days=30, title="Conseil d'hiver")
    sooner = meeting(moderator, days=5, title="Temps d'échange d'automne")
    services.proposal_schedule(proposal=popular, meeting=sooner, by=moderator)

    assert selectors.next_meeting() == sooner
    assert selectors.next_meeting().agenda == [popular]
    assert selectors.top_proposals(5) == [quiet]
    assert later in selectors.upcoming_meetings()

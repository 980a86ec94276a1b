"""Reads of the agenda, for the agenda pages and the home page.

`next_meeting()` and `top_proposals(limit)` are the entry points of the home page (CMS layer).
"""

from django.db.models import Prefetch

from directory import compiled
from qa.agenda.models import Meeting, Proposal, ProposalComment, ProposalStatus, Support


def _agenda_prefetch():
    """A meeting's agenda: its scheduled and discussed proposals with their topics and authors."""
    return Prefetch(
        "proposals",
        queryset=Proposal.objects.filter(
            status__in=[ProposalStatus.SCHEDULED, ProposalStatus.DISCUSSED]
        )
        .with_listing_data()
        .ranked(),
        to_attr="agenda",
    )


def next_meeting() -> Meeting | None:
    """The next meeting to come, with its agenda in `.agenda`, or None."""
    return Meeting.objects.upcoming().prefetch_related(_agenda_prefetch()).first()


def top_proposals(limit: int = 5) -> list[Proposal]:
    """The most supported open proposals, with topics and authors loaded."""
    return list(Proposal.objects.open().with_listing_data().ranked()[:limit])


def open_proposals():
    return Proposal.objects.open().with_listing_data().ranked()


def proposals(status: str = ProposalStatus.OPEN):
    """Proposals in one state, ranked (most supported first), with topics and authors."""
    return Proposal.objects.filter(status=status).with_listing_data().ranked()


def proposal_for_detail(pk: int) -> Proposal | None:
    """One proposal (any state, as its page shows it), with its topics, author and meeting."""
    return Proposal.objects.with_listing_data().select_related("meeting").filter(pk=pk).first()


def meetings(*, past: bool = False):
    """Meetings to come (soonest first) or past (latest first), each with its agenda."""
    found = Meeting.objects.past() if past else Meeting.objects.upcoming()
    return found.select_related("structure").prefetch_related(_agenda_prefetch())


def meeting_agenda(meeting: Meeting):
    """A meeting's page: every proposal put on it but withdrawn ones, ranked."""
    return meeting.proposals.exclude(status=ProposalStatus.WITHDRAWN).with_listing_data().ranked()


def upcoming_meetings(limit: int = 10) -> list[Meeting]:
    return list(meetings()[:limit])


def past_meetings(limit: int = 10) -> list[Meeting]:
    return list(meetings(past=True)[:limit])


def schedulable_meetings() -> list[Meeting]:
    """Meetings a proposal can still be put on: the ones to come."""
    return list(Meeting.objects.upcoming())


def supported_ids(user, proposals) -> set[int]:
    """Which of these proposals the viewer supports, in one query."""
    if not user.is_authenticated:
        return set()
    ids = [proposal.pk for proposal in proposals]
    if not ids:
        return set()
    return set(
        Support.objects.filter(user=user, proposal_id__in=ids).values_list("proposal_id", flat=True)
    )


def supporters(proposal, limit: int = 50):
    return [
        support.user
        for support in Support.objects.filter(proposal=proposal)
        .select_related("user")
        .order_by("created_at")[:limit]
    ]


def proposal_comments(proposal) -> list[ProposalComment]:
    """A proposal's comments not deleted, oldest first, with their authors."""
    return list(
        ProposalComment.objects.filter(proposal=proposal, deleted_at__isnull=True).select_related(
            "author"
        )
    )


def scheduled_for(user, limit: int = 10) -> list[Proposal]:
    """« Vos sujets à l'ordre du jour »: the viewer's proposals and the ones they support that
    are on a meeting to come, soonest meeting first, with their meetings (one query, compiled
    once per process: directory/compiled.py; the home page asks on every member's visit)."""
    if not user.is_authenticated:
        return []
    return compiled.fetch_objects(
        f"agenda.scheduled_for:{limit}",
        lambda user_id: _scheduled_for(user_id, limit),
        (_SENTINEL_USER,),
        (user.pk,),
        model=Proposal,
    )


_SENTINEL_USER = -730_194_810


def _scheduled_for(user_id, limit):
    return (
        Proposal.objects.filter(
            status=ProposalStatus.SCHEDULED,
            meeting__cancelled_at__isnull=True,
            supports__user_id=user_id,
        )
        .select_related("meeting", "meeting__structure")
        .order_by("meeting__starts_at", "-support_count", "pk")[:limit]
    )

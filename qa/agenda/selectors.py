"""Reads of the agenda, for the agenda pages and the home page.

`next_meeting()` and `top_proposals(limit)` are the entry points of the home page (CMS layer).
"""

from django.db.models import Prefetch

from qa.agenda.models import Meeting, Proposal, ProposalStatus, Support


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


def upcoming_meetings(limit: int = 10) -> list[Meeting]:
    return list(Meeting.objects.upcoming().prefetch_related(_agenda_prefetch())[:limit])


def past_meetings(limit: int = 10) -> list[Meeting]:
    return list(Meeting.objects.past().prefetch_related(_agenda_prefetch())[:limit])


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

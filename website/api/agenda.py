"""Reading the agenda: meetings and agenda proposals, scope `read`.

Who reads them is the agenda's rule (`qa.agenda.permissions.check_view_agenda`: members, and
visitors when `PUBLIC_READ`); what is read comes from `qa.agenda.selectors`, in the order the
agenda pages show it.
"""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Query

from qa.agenda import permissions, selectors
from qa.agenda.models import Meeting, ProposalStatus
from qa.templatetags.qa_tags import author_name
from website.api.auth import require_scope
from website.api.cursors import offset_page
from website.api.problems import Problem
from website.api.read import router
from website.api.responses import etagged
from website.api.schemas import MeetingDetail, MeetingPage, ProposalDetail, ProposalPage

MEETINGS_CURSOR_SALT = "website.api.meetings-cursor"
PROPOSALS_CURSOR_SALT = "website.api.proposals-cursor"
AGENDA = ["ordre du jour"]
# The states a list may ask for; a withdrawn proposal is only reached by its id, as on the site.
LISTED_STATES = tuple(
    state.value
    for state in (ProposalStatus.OPEN, ProposalStatus.SCHEDULED, ProposalStatus.DISCUSSED)
)


def _read_agenda(request) -> None:
    require_scope(request, "read")
    permissions.check_view_agenda(request.user)


def _proposal(request, proposal) -> dict:
    return {
        "id": proposal.pk,
        "title": proposal.title,
        "url": request.build_absolute_uri(proposal.get_absolute_url()),
        "status": proposal.status,
        "author": str(author_name(proposal.author)),
        "topics": sorted(topic.slug for topic in proposal.topics.all()),
        "support_count": proposal.support_count,
        "created_at": proposal.created_at,
        "meeting_id": proposal.meeting_id,
        "minutes_url": proposal.minutes_link or None,
    }


def _meeting(request, meeting: Meeting, agenda) -> dict:
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "kind": meeting.kind,
        "url": request.build_absolute_uri(meeting.get_absolute_url()),
        "starts_at": meeting.starts_at,
        "place": meeting.place,
        "video_url": meeting.video_url or None,
        "description": meeting.description,
        "agenda": [_proposal(request, proposal) for proposal in agenda],
    }


@router.get("/agenda/meetings", response=MeetingPage, summary="Meetings", tags=AGENDA)
def meeting_list(
    request,
    when: Literal["upcoming", "past"] = "upcoming",
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(20, ge=1, le=settings.API_PAGE_SIZE),
):
    """Meetings to come (soonest first) or past (latest first), each with its agenda: the
    proposals scheduled on it or discussed there."""
    _read_agenda(request)
    found = selectors.meetings(past=when == "past")
    page = offset_page(found, cursor=cursor, limit=limit, salt=MEETINGS_CURSOR_SALT)
    return etagged(
        request,
        {
            "items": [_meeting(request, meeting, meeting.agenda) for meeting in page.rows],
            "next_cursor": page.next_cursor,
        },
    )


@router.get(
    "/agenda/meetings/{rowid:meeting_id}", response=MeetingDetail, summary="A meeting", tags=AGENDA
)
def meeting_detail(request, meeting_id: int):
    """A meeting and its agenda as its page shows it (every proposal on it but withdrawn ones)."""
    _read_agenda(request)
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise Problem(404, "not_found", _("Cette réunion n'existe pas."))
    return etagged(request, _meeting(request, meeting, selectors.meeting_agenda(meeting)))


@router.get("/agenda/proposals", response=ProposalPage, summary="Agenda proposals", tags=AGENDA)
def proposal_list(
    request,
    status: Literal[LISTED_STATES] = "ouverte",  # type: ignore[valid-type]
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(20, ge=1, le=settings.API_PAGE_SIZE),
):
    """Proposals in one state (`ouverte` by default), most supported first."""
    _read_agenda(request)
    page = offset_page(
        selectors.proposals(status), cursor=cursor, limit=limit, salt=PROPOSALS_CURSOR_SALT
    )
    return etagged(
        request,
        {
            "items": [_proposal(request, proposal) for proposal in page.rows],
            "next_cursor": page.next_cursor,
        },
    )


@router.get(
    "/agenda/proposals/{rowid:proposal_id}",
    response=ProposalDetail,
    summary="An agenda proposal",
    tags=AGENDA,
)
def proposal_detail(request, proposal_id: int):
    """One proposal in any state, with why it matters and whether this caller supports it."""
    _read_agenda(request)
    proposal = selectors.proposal_for_detail(proposal_id)
    if proposal is None:
        raise Problem(404, "not_found", _("Cette proposition n'existe pas."))
    data = _proposal(request, proposal)
    data.update(
        {
            "rationale": proposal.rationale,
            "supported": proposal.pk in selectors.supported_ids(request.user, [proposal]),
        }
    )
    return etagged(request, data)

"""Writes of the agenda: propose, support, withdraw, create meetings, schedule, mark discussed.

Every function takes keyword-only arguments, runs in one transaction and sends its signals
only after the commit. Permissions are checked by the callers (views, commands) with
`qa.agenda.permissions`; the services guard the data invariants and the state transitions.
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.budget import PROPOSALS
from qa.agenda import signals
from qa.agenda.models import (
    MAX_TOPICS,
    SUPPORTABLE_STATUSES,
    Meeting,
    Proposal,
    ProposalStatus,
    Support,
)


class RateLimited(Exception):
    """The member has reached their posting limit; views answer HTTP 429."""


def proposal_rate_limit_check(*, user) -> None:
    """Raise RateLimited when a new member has already proposed their quota today.

    New members may propose a few subjects a day (`AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY`):
    enough for real use, too few for spam; the rule is `directory.budget`. A quick refusal
    before the form is read; `proposal_quota` is what holds the quota.
    """
    if not PROPOSALS.allows(user):
        raise RateLimited


@contextmanager
def proposal_quota(*, user):
    """Hold one of a new member's proposals of the day while the proposal is created.

    Raises RateLimited when none is left. The count lives in the shared cache and is taken
    atomically (`directory.budget.PostingBudget.take`), so proposals sent at once to several
    worker processes cannot exceed it; a proposal that fails (a double click) gives it back.
    """
    slot = PROPOSALS.take(user)
    if slot is None:
        raise RateLimited
    try:
        yield
    except BaseException:
        slot.give_back()
        raise


def proposal_create(*, author, title: str, rationale: str, topics) -> Proposal:
    """Create an open proposal; its author supports it from the start."""
    topics = list(topics)
    if not 1 <= len(topics) <= MAX_TOPICS:
        raise ValidationError(
            {"topics": _("Choisissez entre 1 et %(max)d thèmes.") % {"max": MAX_TOPICS}}
        )
    proposal = Proposal(author=author, title=title.strip(), rationale=rationale.strip())
    # The unique constraint is checked by the database itself (a double click races).
    proposal.full_clean(exclude=["topics", "support_count", "status"], validate_constraints=False)
    try:
        with transaction.atomic():
            proposal.support_count = 1
            proposal.save()
            proposal.topics.set(topics)
            Support.objects.create(proposal=proposal, user=author)
    except IntegrityError as error:
        raise ValidationError(
            {"title": _("Vous avez déjà proposé ce sujet : il est dans la liste.")}
        ) from error
    return proposal


@transaction.atomic
def proposal_support(*, proposal: Proposal, user) -> bool:
    """Add the member's support; False when they already supported it (double click)."""
    if proposal.status not in SUPPORTABLE_STATUSES:
        raise ValidationError(_("Cette proposition ne peut plus recevoir de soutien."))
    try:
        with transaction.atomic():
            Support.objects.create(proposal=proposal, user=user)
    except IntegrityError:
        return False
    Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
    proposal.refresh_from_db(fields=["support_count"])
    return True


@transaction.atomic
def proposal_unsupport(*, proposal: Proposal, user) -> bool:
    """Withdraw the member's support; the proposer's own support stays (see docs/agenda.md)."""
    if user.pk == proposal.author_id:
        raise ValidationError(_("Le soutien de l'auteur ne peut pas être retiré."))
    deleted, _details = Support.objects.filter(proposal=proposal, user=user).delete()
    if deleted:
        Proposal.objects.filter(pk=proposal.pk, support_count__gt=0).update(
            support_count=F("support_count") - 1
        )
    proposal.refresh_from_db(fields=["support_count"])
    return bool(deleted)


def _transition(proposal: Proposal, allowed: tuple, **changes) -> None:
    """Change the state only if nobody else changed it meanwhile (conditional UPDATE)."""
    updated = Proposal.objects.filter(pk=proposal.pk, status__in=allowed).update(**changes)
    if not updated:
        raise ValidationError(
            _("Cette proposition a changé d'état entre-temps ; rechargez la page.")
        )
    proposal.refresh_from_db()


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, by) -> Proposal:
    _transition(proposal, (ProposalStatus.OPEN,), status=ProposalStatus.WITHDRAWN)
    return proposal


@transaction.atomic
def meeting_create(
    *,
    created_by,
    title: str,
    starts_at,
    kind: str = Meeting._meta.get_field("kind").default,
    place: str = "",
    video_url: str = "",
    description: str = "",
) -> Meeting:
    meeting = Meeting(
        created_by=created_by,
        title=title.strip(),
        kind=kind,
        starts_at=starts_at,
        place=place.strip(),
        video_url=video_url.strip(),
        description=description.strip(),
    )
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def proposal_schedule(*, proposal: Proposal, meeting: Meeting, by) -> Proposal:
    """Put the proposal on the meeting's agenda (or move it to another meeting)."""
    if meeting.is_past:
        raise ValidationError({"meeting": _("Cette réunion a déjà eu lieu.")})
    _transition(
        proposal,
        (ProposalStatus.OPEN, ProposalStatus.SCHEDULED),
        status=ProposalStatus.SCHEDULED,
        meeting=meeting,
        scheduled_at=timezone.now(),
        scheduled_by=by,
    )
    transaction.on_commit(
        lambda: signals.proposal_scheduled.send(
            sender=Proposal, proposal=proposal, meeting=meeting, scheduled_by=by
        )
    )
    return proposal


@transaction.atomic
def proposal_mark_discussed(*, proposal: Proposal, minutes_url: str, by) -> Proposal:
    """Record that the meeting debated the proposal, with the link to its minutes."""
    minutes_url = minutes_url.strip()
    if not minutes_url:
        raise ValidationError({"minutes_url": _("Indiquez le lien vers le compte rendu.")})
    _transition(
        proposal,
        (ProposalStatus.SCHEDULED,),
        status=ProposalStatus.DISCUSSED,
        discussed_at=timezone.now(),
        minutes_url=minutes_url,
    )
    return proposal

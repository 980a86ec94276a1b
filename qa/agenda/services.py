"""Writes of the agenda: propose, edit, comment, support, withdraw; create, edit and cancel
meetings; schedule, mark discussed, publish the minutes.

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
from qa.agenda import minutes, signals
from qa.agenda.models import (
    COMMENT_MAX_LENGTH,
    MAX_TOPICS,
    SUPPORTABLE_STATUSES,
    Meeting,
    Proposal,
    ProposalComment,
    ProposalStatus,
    Support,
)


def _announce(signal, proposal, **kwargs):
    """Send `signal` once the transaction commits (never for a rolled-back change)."""
    transaction.on_commit(lambda: signal.send(sender=Proposal, proposal=proposal, **kwargs))


def _changed(proposal):
    _announce(signals.proposal_changed, proposal)


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


def _check_topics(topics) -> list:
    topics = list(topics)
    if not 1 <= len(topics) <= MAX_TOPICS:
        raise ValidationError(
            {"topics": _("Choisissez entre 1 et %(max)d thèmes.") % {"max": MAX_TOPICS}}
        )
    return topics


def proposal_create(*, author, title: str, rationale: str, topics) -> Proposal:
    """Create an open proposal; its author supports it from the start."""
    topics = _check_topics(topics)
    proposal = Proposal(author=author, title=title.strip(), rationale=rationale.strip())
    # The unique constraint is checked by the database itself (a double click races).
    proposal.full_clean(exclude=["topics", "support_count", "status"], validate_constraints=False)
    try:
        with transaction.atomic():
            proposal.support_count = 1
            proposal.save()
            proposal.topics.set(topics)
            Support.objects.create(proposal=proposal, user=author)
            _changed(proposal)
    except IntegrityError as error:
        raise ValidationError(
            {"title": _("Vous avez déjà proposé ce sujet : il est dans la liste.")}
        ) from error
    return proposal


def proposal_update(*, proposal: Proposal, by, title: str, rationale: str, topics) -> Proposal:
    """Edit an open proposal (its author does, until a moderator schedules it).

    The UPDATE is conditional on the proposal still being open: a moderator scheduling it at
    the same moment wins, and the author is told rather than silently changing a subject
    already on an agenda.
    """
    topics = _check_topics(topics)
    candidate = Proposal(
        pk=proposal.pk, author=proposal.author, title=title.strip(), rationale=rationale.strip()
    )
    candidate.full_clean(
        exclude=["topics", "support_count", "status", "created_at"],
        validate_unique=False,  # the row exists; the title's uniqueness is the database's
        validate_constraints=False,
    )
    try:
        with transaction.atomic():
            updated = Proposal.objects.filter(pk=proposal.pk, status=ProposalStatus.OPEN).update(
                title=candidate.title, rationale=candidate.rationale, edited_at=timezone.now()
            )
            if not updated:
                raise ValidationError(
                    _(
                        "Cette proposition est déjà inscrite à l'ordre du jour ou n'est plus "
                        "ouverte : elle ne peut plus être modifiée."
                    )
                )
            proposal.topics.set(topics)
            _changed(proposal)
    except IntegrityError as error:
        raise ValidationError(
            {"title": _("Vous avez déjà proposé un sujet avec ce titre.")}
        ) from error
    proposal.refresh_from_db()
    return proposal


@transaction.atomic
def proposal_comment_create(*, proposal: Proposal, author, body: str) -> ProposalComment:
    """Comment on a proposal that is not withdrawn."""
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise ValidationError(_("Cette proposition est retirée : on ne peut plus la commenter."))
    comment = ProposalComment(proposal=proposal, author=author, body=_comment_body(body))
    comment.full_clean()
    comment.save()
    return comment


def _comment_body(body: str) -> str:
    """A TextField's `max_length` is the form's only: the service checks it too."""
    body = body.strip()
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("Un commentaire fait au plus %(max)d caractères.")
                % {"max": COMMENT_MAX_LENGTH}
            }
        )
    return body


@transaction.atomic
def proposal_comment_update(*, comment: ProposalComment, by, body: str) -> ProposalComment:
    """Change a comment's text (its author, or a moderator: `permissions`); `edited_at` says
    it was changed. Read under lock: a comment deleted meanwhile is not brought back."""
    current = ProposalComment.objects.select_for_update().get(pk=comment.pk)
    if current.deleted_at is not None:
        raise ValidationError(_("Ce commentaire a été supprimé : il ne peut plus être modifié."))
    current.body = _comment_body(body)
    current.edited_at = timezone.now()
    current.full_clean()
    current.save(update_fields=["body", "edited_at"])
    return current


@transaction.atomic
def proposal_comment_delete(*, comment: ProposalComment, by) -> bool:
    """Hide a comment (its author, or a moderator); kept in the table, as Q&A posts are.
    False when it was deleted already (a double click)."""
    return bool(
        ProposalComment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now(), deleted_by=by
        )
    )


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
    _changed(proposal)
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
    structure=None,
) -> Meeting:
    _check_to_come(starts_at)
    meeting = Meeting(
        created_by=created_by,
        title=title.strip(),
        kind=kind,
        starts_at=starts_at,
        place=place.strip(),
        video_url=video_url.strip(),
        description=description.strip(),
        structure=structure,
    )
    meeting.full_clean()
    meeting.save()
    return meeting


def _check_to_come(starts_at) -> None:
    if starts_at < timezone.now():
        raise ValidationError({"starts_at": _("La date de la réunion doit être à venir.")})


def _check_changeable(meeting: Meeting) -> None:
    """Only a meeting to come and not cancelled may be edited or cancelled."""
    if meeting.is_cancelled:
        raise ValidationError(_("Cette réunion est déjà annulée."))
    if meeting.is_past:
        raise ValidationError(_("Cette réunion a déjà eu lieu : elle ne peut plus être changée."))


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by,
    title: str,
    starts_at,
    kind: str,
    place: str = "",
    video_url: str = "",
    description: str = "",
    structure=None,
) -> Meeting:
    """Edit a meeting to come; its new date must be to come too."""
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_changeable(current)
    _check_to_come(starts_at)
    current.title = title.strip()
    current.kind = kind
    current.starts_at = starts_at
    current.place = place.strip()
    current.video_url = video_url.strip()
    current.description = description.strip()
    current.structure = structure
    current.updated_at = timezone.now()
    current.full_clean()
    current.save()
    return current


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by, reason: str = "") -> Meeting:
    """Cancel a meeting to come. The subjects on its agenda go back to the open proposals,
    with their support, so that a moderator can put them on another meeting."""
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_changeable(current)
    current.cancelled_at = timezone.now()
    current.cancelled_by = by
    current.cancellation_reason = reason.strip()
    current.full_clean()
    current.save(update_fields=["cancelled_at", "cancelled_by", "cancellation_reason"])
    on_agenda = list(current.proposals.exclude(status=ProposalStatus.WITHDRAWN).order_by("pk"))
    returned = [p for p in on_agenda if p.status == ProposalStatus.SCHEDULED]
    Proposal.objects.filter(pk__in=[p.pk for p in returned]).update(
        status=ProposalStatus.OPEN, meeting=None, scheduled_at=None, scheduled_by=None
    )
    for proposal in returned:
        _changed(proposal)
    proposal_ids = [p.pk for p in on_agenda]
    transaction.on_commit(
        lambda: signals.meeting_cancelled.send(
            sender=Meeting, meeting=current, by=by, proposal_ids=proposal_ids
        )
    )
    return current


@transaction.atomic
def proposal_schedule(*, proposal: Proposal, meeting: Meeting, by) -> Proposal:
    """Put the proposal on the meeting's agenda (or move it to another meeting)."""
    # Read again under lock: a moderator may have just cancelled or moved it.
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.is_past:
        raise ValidationError({"meeting": _("Cette réunion a déjà eu lieu.")})
    if meeting.is_cancelled:
        raise ValidationError({"meeting": _("Cette réunion est annulée.")})
    _transition(
        proposal,
        (ProposalStatus.OPEN, ProposalStatus.SCHEDULED),
        status=ProposalStatus.SCHEDULED,
        meeting=meeting,
        scheduled_at=timezone.now(),
        scheduled_by=by,
    )
    _announce(signals.proposal_scheduled, proposal, meeting=meeting, scheduled_by=by)
    _changed(proposal)
    return proposal


@transaction.atomic
def proposal_mark_discussed(
    *, proposal: Proposal, by, minutes_url: str = "", host: str = ""
) -> Proposal:
    """Record that the meeting debated the proposal; its minutes may come now or later.

    `minutes_url` naming one of the site's documents or pages links the proposal to that row
    (`qa.agenda.minutes`); `host` is the host the moderator used (their request's).
    """
    now = timezone.now()
    changes = {"status": ProposalStatus.DISCUSSED, "discussed_at": now}
    if minutes_url.strip():
        changes |= minutes.resolve(minutes_url, host=host).as_fields()
        changes["minutes_published_at"] = now
    _transition(proposal, (ProposalStatus.SCHEDULED,), **changes)
    _announce(signals.proposal_discussed, proposal, by=by)
    _changed(proposal)
    return proposal


@transaction.atomic
def proposal_minutes_publish(
    *, proposal: Proposal, by, minutes_url: str, host: str = ""
) -> Proposal:
    """Publish (or replace) the minutes of a discussed proposal; its people are told."""
    if not minutes_url.strip():
        raise ValidationError({"minutes_url": _("Indiquez le lien vers le compte rendu.")})
    _transition(
        proposal,
        (ProposalStatus.DISCUSSED,),
        minutes_published_at=timezone.now(),
        **minutes.resolve(minutes_url, host=host).as_fields(),
    )
    _announce(signals.proposal_minutes_published, proposal, by=by)
    return proposal

"""Who may do what with agenda proposals and meetings, written once.

`can_*` predicates answer for templates and selectors; `check_*` raise PermissionDenied with a
French message for views and commands. Roles come from `directory.roles`.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from directory.roles import is_member, is_moderator
from qa.agenda.models import ProposalStatus


def can_view_agenda(user) -> bool:
    """Members read the agenda; visitors too only when the site opens reading to the public."""
    return is_member(user) or settings.PUBLIC_READ


def can_propose(user) -> bool:
    return is_member(user)


def is_proposal_author(user, proposal) -> bool:
    return user.is_authenticated and proposal.author_id == user.pk


def can_support(user, proposal) -> bool:
    """Members support open or scheduled proposals; the proposer supports theirs implicitly."""
    return is_member(user) and proposal.is_supportable and not is_proposal_author(user, proposal)


def can_withdraw_proposal(user, proposal) -> bool:
    """The proposer (or a moderator) may withdraw a proposal not yet on an agenda."""
    return proposal.status == ProposalStatus.OPEN and (
        is_moderator(user) or (is_member(user) and is_proposal_author(user, proposal))
    )


def can_edit_proposal(user, proposal) -> bool:
    """Its author edits a proposal until it is scheduled (then the agenda is public)."""
    return (
        proposal.status == ProposalStatus.OPEN
        and is_member(user)
        and is_proposal_author(user, proposal)
    )


def can_comment_proposal(user, proposal) -> bool:
    return is_member(user) and proposal.status != ProposalStatus.WITHDRAWN


def is_comment_author(user, comment) -> bool:
    return bool(user.is_authenticated and comment.author_id and comment.author_id == user.pk)


def can_change_proposal_comment(user, comment) -> bool:
    """Edit or delete a comment, as Q&A comments (`qa.permissions.can_edit_post`,
    `can_delete_own_post`): no time window; its author while it is not deleted and the proposal
    not withdrawn (the agenda's « locked thread »); a moderator any comment not deleted."""
    if comment.deleted_at:
        return False
    if is_moderator(user):
        return True
    return (
        is_member(user)
        and is_comment_author(user, comment)
        and comment.proposal.status != ProposalStatus.WITHDRAWN
    )


def can_manage_meetings(user) -> bool:
    return is_moderator(user)


def can_change_meeting(user, meeting) -> bool:
    """Moderators edit or cancel a meeting to come that is not cancelled."""
    return is_moderator(user) and not meeting.is_cancelled and not meeting.is_past


def can_publish_minutes(user, proposal) -> bool:
    return is_moderator(user) and proposal.status == ProposalStatus.DISCUSSED


def can_schedule(user, proposal) -> bool:
    return is_moderator(user) and proposal.status in (
        ProposalStatus.OPEN,
        ProposalStatus.SCHEDULED,
    )


def can_mark_discussed(user, proposal) -> bool:
    return is_moderator(user) and proposal.status == ProposalStatus.SCHEDULED


def check_view_agenda(user):
    if not can_view_agenda(user):
        raise PermissionDenied(_("L'ordre du jour est réservé aux membres."))


def check_propose(user):
    if not can_propose(user):
        raise PermissionDenied(_("Seuls les membres peuvent proposer un sujet."))


def check_support(user, proposal):
    if not can_support(user, proposal):
        if is_proposal_author(user, proposal):
            raise PermissionDenied(_("Vous soutenez déjà votre propre proposition."))
        raise PermissionDenied(_("Vous ne pouvez pas soutenir cette proposition."))


def check_withdraw_proposal(user, proposal):
    if not can_withdraw_proposal(user, proposal):
        raise PermissionDenied(_("Vous ne pouvez pas retirer cette proposition."))


def check_manage_meetings(user):
    if not can_manage_meetings(user):
        raise PermissionDenied(_("Seuls les modérateurs organisent les réunions."))


def check_schedule(user, proposal):
    if not can_schedule(user, proposal):
        raise PermissionDenied(
            _("Vous ne pouvez pas inscrire cette proposition à l'ordre du jour.")
        )


def check_mark_discussed(user, proposal):
    if not can_mark_discussed(user, proposal):
        raise PermissionDenied(_("Vous ne pouvez pas marquer cette proposition comme débattue."))


def check_edit_proposal(user, proposal):
    if not can_edit_proposal(user, proposal):
        if is_proposal_author(user, proposal) and proposal.status != ProposalStatus.OPEN:
            raise PermissionDenied(
                _("Cette proposition est inscrite à l'ordre du jour : elle ne peut plus changer.")
            )
        raise PermissionDenied(_("Seul l'auteur d'une proposition peut la modifier."))


def check_comment_proposal(user, proposal):
    if not can_comment_proposal(user, proposal):
        raise PermissionDenied(_("Vous ne pouvez pas commenter cette proposition."))


def check_change_proposal_comment(user, comment):
    if can_change_proposal_comment(user, comment):
        return
    if comment.deleted_at:
        raise PermissionDenied(_("Ce commentaire est supprimé."))
    if is_member(user) and is_comment_author(user, comment):
        raise PermissionDenied(
            _("Cette proposition est retirée : ses commentaires ne peuvent plus changer.")
        )
    raise PermissionDenied(_("Vous ne pouvez modifier ou supprimer que vos propres commentaires."))


def check_publish_minutes(user, proposal):
    if not can_publish_minutes(user, proposal):
        raise PermissionDenied(_("Vous ne pouvez pas publier le compte rendu de ce sujet."))

"""Writes on accounts and directory entries. Views, commands and tests call these."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from directory.models import Invitation, User
from directory.roles import MEMBERS
from directory.signals import account_approved


@transaction.atomic
def account_approve(*, user: User, approved_by: User | None) -> User:
    """Approve a pending account: it becomes a member. Approving twice changes nothing."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.approved_at is None:
        user.approved_at = timezone.now()
        user.approved_by = approved_by
        user.save(update_fields=["approved_at", "approved_by"])
        user.groups.add(Group.objects.get(name=MEMBERS))
        transaction.on_commit(
            lambda: account_approved.send(sender=User, user=user, approved_by=approved_by)
        )
    return user


@transaction.atomic
def account_accept_invitation(*, user: User) -> bool:
    """Approve a new account at once when its address was invited. Returns whether it was."""
    invitation = (
        Invitation.objects.select_for_update()
        .filter(email__iexact=user.email, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return False
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    account_approve(user=user, approved_by=invitation.invited_by)
    return True


def invitation_create(*, email: str, invited_by: User) -> Invitation:
    invitation, _ = Invitation.objects.get_or_create(
        email__iexact=email,
        accepted_at__isnull=True,
        defaults={"email": email, "invited_by": invited_by},
    )
    return invitation

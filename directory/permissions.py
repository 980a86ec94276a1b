"""Who may do what in the directory, written once (views, templates and commands use these)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from directory.roles import is_member, is_moderator


def can_view_directory(user) -> bool:
    """The directory is members-only: visitors and pending accounts see nothing personal."""
    return is_member(user)


def can_manage_directory(user) -> bool:
    """Import, export, approvals, expertise requests, inactive accounts: moderators."""
    return is_moderator(user)


def can_edit_person(user, person) -> bool:
    return is_member(user) and (person.user_id == user.pk or is_moderator(user))


def check_view_directory(user) -> None:
    if not can_view_directory(user):
        raise PermissionDenied(_("L'annuaire est réservé aux membres."))


def check_manage_directory(user) -> None:
    if not can_manage_directory(user):
        raise PermissionDenied(_("Cette page est réservée aux modérateurs."))

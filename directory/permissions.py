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


def visibility_settings(person) -> tuple:
    """What members can see of an entry: listed or not, each contact's visibility and value.

    Changing any of it needs a recent re-authentication (`directory.views.my_profile`), like an
    e-mail or MFA change: a borrowed session must not expose someone's phone number.
    """
    return (
        person.is_listed,
        person.email_visibility,
        person.phone_visibility,
        person.visible_email,
        person.visible_phone,
    )


def can_follow_person(user, person) -> bool:
    """Members follow listed people other than themselves: someone who objected to the lists
    is not offered to be followed."""
    return is_member(user) and person.is_listed and person.user_id != user.pk


def can_follow_structure(user) -> bool:
    return is_member(user)


def check_view_directory(user) -> None:
    if not can_view_directory(user):
        raise PermissionDenied(_("L'annuaire est réservé aux membres."))


def check_manage_directory(user) -> None:
    if not can_manage_directory(user):
        raise PermissionDenied(_("Cette page est réservée aux modérateurs."))


def check_follow_person(user, person) -> None:
    if not can_follow_person(user, person):
        raise PermissionDenied(_("Vous ne pouvez pas suivre cette personne."))


def check_follow_structure(user) -> None:
    if not can_follow_structure(user):
        raise PermissionDenied(_("Seuls les membres peuvent suivre une structure."))

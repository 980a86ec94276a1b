"""Who may use the notification pages: members only (a pending account has no centre yet)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from directory.roles import is_member


def can_use_notifications(user) -> bool:
    return is_member(user)


def check_can_use_notifications(user) -> None:
    if not can_use_notifications(user):
        raise PermissionDenied(_("Les notifications sont réservées aux membres approuvés."))

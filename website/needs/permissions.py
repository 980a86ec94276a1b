"""Who may read the shared needs: members (the page names communes and structures)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from directory.roles import is_member


def can_view_needs(user) -> bool:
    return is_member(user)


def check_view_needs(user) -> None:
    if not can_view_needs(user):
        raise PermissionDenied(_("Les besoins partagés sont réservés aux membres."))

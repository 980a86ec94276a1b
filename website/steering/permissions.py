"""Who may open the coordinator's dashboard and route a question again.

The role check itself is `directory.roles.can_steer` (moderators and coordinators); this is
its `check_*` twin carrying the refusal's message.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from directory.roles import can_steer


def check_steer(user) -> None:
    if not can_steer(user):
        raise PermissionDenied(
            _("Le tableau de pilotage est réservé aux coordinateurs et aux modérateurs.")
        )

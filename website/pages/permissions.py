"""Who may do what with the CMS features outside the Wagtail admin, written once.

`can_*` answer for templates; `check_*` raise PermissionDenied with a French message for views.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from directory.roles import is_member, is_moderator
from qa.permissions import can_view_question, is_expert_for


def can_recheck(user, question) -> bool:
    """An expert of one of the question's topics (or a moderator) re-validates a stale thread."""
    if not can_view_question(user, question) or question.deleted_at:
        return False
    return is_moderator(user) or (is_member(user) and is_expert_for(user, question))


def check_recheck(user, question):
    if not can_recheck(user, question):
        raise PermissionDenied(
            _("Seuls les experts des sujets de cette question peuvent la revérifier.")
        )


def can_list_rechecks(user) -> bool:
    return is_moderator(user)


def check_list_rechecks(user):
    if not can_list_rechecks(user):
        raise PermissionDenied(_("Cette liste est réservée aux modérateurs."))


def can_read_questions_feed(user) -> bool:
    """Question feeds are public only when the site opens Q&A reading to visitors."""
    return bool(settings.PUBLIC_READ) or is_member(user)

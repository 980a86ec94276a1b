"""Who may do what with the CMS features outside the Wagtail admin, written once.

`can_*` answer for templates; `check_*` raise PermissionDenied with a French message for views.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
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


def page_viewer_ids(page, user_ids: Iterable[int]) -> set[int]:
    """Of these accounts, those Wagtail lets view the page: every view restriction on its path
    (its own and its sections') must pass. A login restriction passes any active account; a
    group restriction a superuser or a member of one of its groups; a shared password nobody,
    since the site cannot know who was given it."""
    user_ids = {pk for pk in user_ids if pk}
    restrictions = list(page.get_view_restrictions().prefetch_related("groups"))
    if not user_ids or not restrictions:
        return user_ids
    if any(r.restriction_type == r.PASSWORD for r in restrictions):
        return set()
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True)
    for restriction in restrictions:
        if restriction.restriction_type == restriction.GROUPS:
            groups = list(restriction.groups.all())
            users = users.filter(Q(is_superuser=True) | Q(pk__in=_members_of(groups)))
    return set(users.values_list("pk", flat=True))


def _members_of(groups):
    return get_user_model().groups.through.objects.filter(group__in=groups).values("user_id")


def can_view_page(user, page) -> bool:
    """`page_viewer_ids` for one user; visitors pass only unrestricted pages."""
    if not user.is_authenticated:
        return not page.get_view_restrictions().exists()
    return user.pk in page_viewer_ids(page, [user.pk])


def can_draft_update(user, index) -> bool:
    """Drafting a regulatory update outside the admin (the API): whoever Wagtail lets add a
    page under the watch page (`index`, None when there is none) — editors."""
    return index is not None and index.permissions_for_user(user).can_add_subpage()


def check_draft_update(user, index):
    if not can_draft_update(user, index):
        raise PermissionDenied(_("Vous ne pouvez pas rédiger de texte de veille."))

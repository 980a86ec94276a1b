"""The moderators' badges in the header: open flags and accounts waiting for approval.

Nothing for anyone else; for a moderator, one query, run only when the header asks for it.
The query is built through the ORM once per process (directory/compiled.py): building it cost
more CPU than running it, on every page a moderator loads. It is run afresh each time, so the
counts are exact as soon as a flag is raised or handled and an account approved.
"""

from django.db.models import Count, IntegerField, Subquery, Value
from django.db.models.functions import Coalesce

from directory import compiled
from directory.models import User
from directory.roles import is_moderator
from directory.selectors import pending_accounts
from qa.models import Flag


def _count(queryset):
    counted = queryset.order_by().annotate(group=Value(1)).values("group")
    return Coalesce(
        Subquery(counted.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0
    )


def _counts_query(user_id):
    return (
        User.objects.filter(pk=user_id)
        .annotate(flags=_count(Flag.objects.open()), pending=_count(pending_accounts()))
        .values_list("flags", "pending")[:1]
    )


_SENTINEL_USER = -730_194_801


def moderation_counts(user) -> dict[str, int]:
    """{"flags": open flags, "pending": accounts to approve}, in one query."""
    rows = compiled.fetch(
        "steering.moderation_counts", _counts_query, (_SENTINEL_USER,), (user.pk,), model=User
    )
    flags, pending = rows[0] if rows else (0, 0)
    return {"flags": flags, "pending": pending}


class LazyModerationCounts:
    def __init__(self, user):
        self.user = user
        self.value = None

    def _counts(self) -> dict[str, int]:
        if self.value is None:
            self.value = moderation_counts(self.user)
        return self.value

    @property
    def flags(self) -> int:
        return self._counts()["flags"]

    @property
    def pending(self) -> int:
        return self._counts()["pending"]


def moderation_badges(request):
    user = getattr(request, "user", None)
    if user is None or not is_moderator(user):
        return {}
    return {"moderation_counts": LazyModerationCounts(user)}

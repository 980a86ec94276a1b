"""The moderators' badges in the header: open flags and accounts waiting for approval.

Nothing for anyone else; for a moderator, one query, run only when the header asks for it.
"""

from django.db.models import Count, IntegerField, Subquery, Value
from django.db.models.functions import Coalesce

from directory.models import User
from directory.roles import is_moderator
from directory.selectors import pending_accounts
from qa.models import Flag


def _count(queryset):
    counted = queryset.order_by().annotate(group=Value(1)).values("group")
    return Coalesce(
        Subquery(counted.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0
    )


def moderation_counts(user) -> dict[str, int]:
    """{"flags": open flags, "pending": accounts to approve}, in one query."""
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            flags=_count(Flag.objects.open()),
            pending=_count(pending_accounts()),
        )
        .values("flags", "pending")
        .first()
    )
    return row or {"flags": 0, "pending": 0}


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

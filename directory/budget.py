"""New members and their posting budget: the one definition qa and the agenda use.

A member is *new* during their first `NEW_MEMBER_DAYS` days, counted from their approval (or
from joining, for accounts approved before approvals were recorded). A new member has a budget
per window: posts (questions, answers and comments) per hour, agenda proposals per day, so a
fresh account cannot flood the site. Moderators (superusers included) are exempt whatever their
age: they are trusted by role, and a moderator approved yesterday must be able to clean up.

Each budget lives in the project's shared cache (database or Redis in production), so it counts
across worker processes. A budget of N per window is N numbered slots, each taken with the
cache's atomic `add`: two workers can never take the same slot, whereas reading a counter and
writing it back (`get` then `set`, or `DatabaseCache.incr`, which is just that) lets two
requests at once both pass and loses counts. The windows start when the member was approved,
not on the hour, so a member's first hour is a whole hour.

Every tunable is a setting (`website/settings.py`), read when a budget is checked, so
`override_settings` applies.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from directory.roles import is_moderator


def _approved(user):
    return user.approved_at or user.date_joined


def is_new_member(user) -> bool:
    """Approved (or joined) less than `NEW_MEMBER_DAYS` days ago."""
    approved = _approved(user)
    return approved is None or timezone.now() - approved < timedelta(days=settings.NEW_MEMBER_DAYS)


def has_posting_budget(user) -> bool:
    """Whether `user`'s posts are counted: a new member who is not a moderator."""
    return is_new_member(user) and not is_moderator(user)


@dataclass(frozen=True)
class Slot:
    """One post counted in a budget; `key` is None when the member is exempt."""

    key: str | None

    def give_back(self) -> None:
        """Return the slot of something that was not created after all."""
        if self.key:
            cache.delete(self.key)


@dataclass(frozen=True)
class PostingBudget:
    """`limit()` posts per window of `window_seconds` for each new member, named `name`."""

    name: str
    window_seconds: int
    limit: Callable[[], int]

    def _slot_keys(self, user, limit: int) -> list[str]:
        start = _approved(user)
        elapsed = timezone.now() - start if start else timedelta(0)
        window = int(elapsed.total_seconds()) // self.window_seconds
        return [f"{self.name}:{user.pk}:{window}:{number}" for number in range(limit)]

    def allows(self, user) -> bool:
        """A quick answer before the work: `take` is what holds the budget."""
        if not has_posting_budget(user):
            return True
        limit = self.limit()
        return len(cache.get_many(self._slot_keys(user, limit))) < limit

    def take(self, user) -> Slot | None:
        """Atomically count one post now, before it is created; None when the budget is spent.

        A slot lives as long as its window, so none expires while its window lasts.
        """
        if not has_posting_budget(user):
            return Slot(key=None)
        keys = self._slot_keys(user, self.limit())
        taken = cache.get_many(keys)
        for key in keys:
            if key not in taken and cache.add(key, 1, self.window_seconds):
                return Slot(key=key)
        return None


POSTS = PostingBudget(
    name="qa:posts",
    window_seconds=3600,
    limit=lambda: settings.QA_NEW_MEMBER_POSTS_PER_HOUR,
)
PROPOSALS = PostingBudget(
    name="agenda:proposals",
    window_seconds=24 * 3600,
    limit=lambda: settings.AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY,
)

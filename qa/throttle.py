"""Posting limits and one-time submission tokens.

New members' hourly limit lives in the project's shared cache (database or Redis in
production), so it counts across worker processes. A limit of N per window is N numbered
slots, each taken with the cache's atomic `add`: two workers can never take the same slot,
whereas reading a counter and writing it back (`get` then `set`, or `DatabaseCache.incr`,
which is just that) lets two requests at once both pass and loses counts. The windows start
when the member was approved, not on the hour, so a member's first hour is a whole hour. The
daily ceiling on questions addressed to a structure, for every member, is counted from the
questions themselves.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

# A member approved less than this long ago is "new".
NEW_MEMBER_PERIOD = timedelta(days=7)
# Posts (questions + answers + comments) a new member may publish per hour.
NEW_MEMBER_POSTS_PER_HOUR = 20
WINDOW_SECONDS = 3600
TOKEN_TTL_SECONDS = 24 * 3600


def _limits():
    return getattr(settings, "QA_NEW_MEMBER_POSTS_PER_HOUR", NEW_MEMBER_POSTS_PER_HOUR)


def _approved(user):
    return getattr(user, "approved_at", None) or user.date_joined


def is_new_member(user) -> bool:
    approved = _approved(user)
    return approved is None or timezone.now() - approved < NEW_MEMBER_PERIOD


def window_prefix(name: str, user, window_seconds: int) -> str:
    """The cache key prefix of `user`'s current window, counted from their approval."""
    start = _approved(user)
    elapsed = timezone.now() - start if start else timedelta(0)
    return f"{name}:{user.pk}:{int(elapsed.total_seconds()) // window_seconds}"


def _slot_keys(prefix: str, limit: int) -> list[str]:
    return [f"{prefix}:{number}" for number in range(limit)]


def slots_taken(prefix: str, limit: int) -> int:
    return len(cache.get_many(_slot_keys(prefix, limit)))


def take_slot(prefix: str, limit: int, timeout: int) -> str | None:
    """Atomically take a free slot of `limit`; its key, or None when every slot is taken.

    A slot lives at least as long as its window, so none expires while its window lasts.
    """
    keys = _slot_keys(prefix, limit)
    taken = cache.get_many(keys)
    for key in keys:
        if key not in taken and cache.add(key, 1, timeout):
            return key
    return None


def release_slot(key: str) -> None:
    """Give back a slot taken for something that was not created after all."""
    cache.delete(key)


def _posts_prefix(user) -> str:
    return window_prefix("qa:posts", user, WINDOW_SECONDS)


def _limited(user) -> bool:
    from directory.roles import is_moderator

    return is_new_member(user) and not is_moderator(user)


def post_allowed(user) -> bool:
    """Whether a new member may post once more in this hour (moderators are never limited).

    A quick refusal before the work; `record_post` is what holds the limit."""
    if not _limited(user):
        return True
    return slots_taken(_posts_prefix(user), _limits()) < _limits()


def record_post(user) -> bool:
    """Count one post now, before it is created; False when the hour's limit is reached."""
    if not _limited(user):
        return True
    return take_slot(_posts_prefix(user), _limits(), WINDOW_SECONDS) is not None


ADDRESSED_WINDOW = timedelta(hours=24)


def addressed_question_allowed(user) -> bool:
    """Whether `user` may address one more question to a structure in this rolling day.

    Each such question notifies every current position holder of the structure (by e-mail by
    default), so a ceiling holds for members of any age (`QA_ADDRESSED_QUESTIONS_PER_DAY`).
    Deleted questions count: deleting one does not give its place back.
    """
    from qa.models import Question

    since = timezone.now() - ADDRESSED_WINDOW
    sent = Question.objects.filter(
        author=user, addressed_to_structure__isnull=False, created_at__gte=since
    ).count()
    return sent < settings.QA_ADDRESSED_QUESTIONS_PER_DAY


def _token_key(user, token):
    return f"qa:submitted:{user.pk}:{token}"


def already_submitted(user, token: str) -> str | None:
    """The URL of what this form submission already created, if it was sent before."""
    if not token:
        return None
    return cache.get(_token_key(user, token))


def claim_token(user, token: str) -> bool:
    """Atomically reserve the token; False when a concurrent request already holds it."""
    if not token:
        return True
    return cache.add(_token_key(user, token), "", TOKEN_TTL_SECONDS)


def remember_submission(user, token: str, url: str) -> None:
    if token:
        cache.set(_token_key(user, token), url, TOKEN_TTL_SECONDS)


def release_token(user, token: str) -> None:
    if token:
        cache.delete(_token_key(user, token))

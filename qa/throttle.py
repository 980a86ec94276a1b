"""Posting limits and one-time submission tokens.

New members' hourly limit lives in the shared cache (database or Redis in production), so it
counts across worker processes. The daily ceiling on questions addressed to a structure, for
every member, is counted from the questions themselves.
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


def is_new_member(user) -> bool:
    approved = getattr(user, "approved_at", None) or user.date_joined
    return approved is None or timezone.now() - approved < NEW_MEMBER_PERIOD


def _key(user):
    window = int(timezone.now().timestamp()) // WINDOW_SECONDS
    return f"qa:posts:{user.pk}:{window}"


def post_allowed(user) -> bool:
    """Whether a new member may post once more in this hour (moderators are never limited)."""
    from directory.roles import is_moderator

    if is_moderator(user) or not is_new_member(user):
        return True
    return (cache.get(_key(user)) or 0) < _limits()


def record_post(user) -> None:
    if is_new_member(user):
        key = _key(user)
        cache.add(key, 0, WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, WINDOW_SECONDS)


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

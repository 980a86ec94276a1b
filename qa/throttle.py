"""Posting limits and one-time submission tokens.

New members' hourly budget of posts is `directory.budget.POSTS` (who is new, who is exempt and
how the cache counts are defined there). The daily ceiling on questions addressed to a
structure, for every member, is counted from the questions themselves.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from directory.budget import POSTS

TOKEN_TTL_SECONDS = 24 * 3600


def post_allowed(user) -> bool:
    """Whether a new member may post once more in this hour (moderators are never limited).

    A quick refusal before the work; `record_post` is what holds the limit."""
    return POSTS.allows(user)


def record_post(user) -> bool:
    """Count one post now, before it is created; False when the hour's limit is reached."""
    return POSTS.take(user) is not None


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

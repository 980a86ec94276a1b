"""Writing personal tokens (create, revoke) and recognising one on a request.

A token is `ent_` followed by 43 random URL-safe characters (256 bits). Only its SHA-256 digest
is stored: the secret has full entropy, so a plain digest is enough (no salt, no key
stretching), and the digest does not depend on `SECRET_KEY`, whose rotation must not kill
every token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from directory.roles import is_moderator
from website.api.models import ADMIN_SCOPES, MEMBER_SCOPES, SERVICE_SCOPES, ApiToken, Scope

TOKEN_PREFIX = "ent_"  # noqa: S105 (a marker that makes leaked tokens easy to scan for)
PREFIX_SHOWN = 10  # "ent_" and six characters: enough to tell one's tokens apart


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """What creation returns: the row, and the secret, shown once and never stored."""

    token: ApiToken
    secret: str


@transaction.atomic
def token_create(*, user, name: str, scopes: list[str], days: int) -> NewToken:
    """A new token for `user`, valid `days` days (1 to `API_TOKEN_MAX_DAYS`)."""
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValueError("A token lasts from one day to API_TOKEN_MAX_DAYS.")
    return _create(user=user, name=name, scopes=scopes, days=days, allowed=MEMBER_SCOPES)


@transaction.atomic
def service_token_create(*, by, structure, name: str, scopes: list[str], days: int) -> NewToken:
    """A service token for `structure`, made by the moderator `by` (its owner): it reads as
    a plain member (`website.api.auth`), with `SERVICE_SCOPES` only, and works while `by`
    is an active moderator."""
    if not is_moderator(by):
        raise PermissionDenied("Only a moderator makes a structure's service token.")
    return _create(
        user=by, name=name, scopes=scopes, days=days, allowed=SERVICE_SCOPES, structure=structure
    )


def _create(*, user, name, scopes, days, allowed, structure=None) -> NewToken:
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValueError("A token lasts from one day to API_TOKEN_MAX_DAYS.")
    unknown = set(scopes) - set(allowed)
    if unknown or not scopes:
        raise ValueError(f"Unknown, administrative or no scopes: {sorted(unknown)}")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        structure=structure,
        name=name,
        prefix=secret[:PREFIX_SHOWN],
        key_hash=digest(secret),
        scopes=sorted(set(scopes)),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    return NewToken(token=token, secret=secret)


@transaction.atomic
def token_admin_grant(*, token: ApiToken, by, scope: str = Scope.ADMIN_STAFF) -> ApiToken:
    """Add an `admin:*` scope (`admin:staff` unless told) to a usable token; only a superuser
    gives it, and it is recorded.

    With it, the token of a moderator, an editor or a superuser acts with their role, and
    `website.api.auth.identify` then demands the two-factor authentication the site asks of
    them."""
    if not (by.is_authenticated and by.is_active and by.is_superuser):
        raise PermissionDenied("Only a superuser gives an admin scope.")
    if scope not in ADMIN_SCOPES:
        raise ValueError(f"Not an administrative scope: {scope}")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if not token.is_usable:
        raise ValueError("A revoked or expired token gets no new scope.")
    if token.is_service:
        raise ValueError("A structure's service token never gets an admin scope.")
    if scope not in token.scopes:
        token.scopes = sorted({*token.scopes, scope})
        token.admin_granted_by = by
        token.admin_granted_at = timezone.now()
        token.save(update_fields=["scopes", "admin_granted_by", "admin_granted_at"])
    return token


def token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke at once; a revoked token stays listed (with its date) so the member sees it."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=token.revoked_at
        )
    return token


def tokens_revoke_all(*, user) -> int:
    """Revoke every token of `user` still usable (a password change or reset: whoever knew
    the old password may have made tokens), the service tokens this moderator made
    included. Returns how many were revoked."""
    return ApiToken.objects.filter(user=user).usable().update(revoked_at=timezone.now())


def revoke_tokens_on_password_change(sender, request, user, **kwargs):
    """Receiver of allauth's `password_changed` and `password_reset` (connected in `apps`)."""
    tokens_revoke_all(user=user)


def token_touch(token: ApiToken) -> None:
    """Record the use, at most once per `API_TOKEN_TOUCH_SECONDS` (one UPDATE, no read)."""
    now = timezone.now()
    last = token.last_used_at
    if last is None or (now - last).total_seconds() >= settings.API_TOKEN_TOUCH_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def token_lookup(secret: str) -> ApiToken | None:
    """The token row for a presented secret (revoked or expired included), with its user."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    return (
        ApiToken.objects.select_related("user", "structure").filter(key_hash=digest(secret)).first()
    )

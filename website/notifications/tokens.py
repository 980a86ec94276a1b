"""Signed one-click unsubscribe links (no login needed: the signature is the permission)."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from website.notifications.kinds import DIGEST_FREQUENCIES, Kind

UNSUBSCRIBE_SALT = "entraide.notifications.unsubscribe"
ALL = "all"


def unsubscribe_max_age() -> timedelta:
    return timedelta(days=settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE_DAYS)


def valid_scope(scope: str) -> bool:
    """`kind:<kind>` stops one kind; `digest:<daily|weekly>` stops that digest; `all` stops all."""
    if scope == ALL:
        return True
    prefix, _sep, value = scope.partition(":")
    if prefix == "kind":
        return value in Kind.values
    if prefix == "digest":
        return value in DIGEST_FREQUENCIES
    return False


def unsubscribe_token(*, user_id: int, scope: str) -> str:
    if not valid_scope(scope):
        raise ValueError(f"Unknown unsubscribe scope: {scope!r}")
    return signing.dumps({"u": user_id, "s": scope}, salt=UNSUBSCRIBE_SALT, compress=True)


@dataclass(frozen=True)
class UnsubscribeRequest:
    user_id: int
    scope: str


def read_unsubscribe_token(token: str) -> UnsubscribeRequest:
    """Raises `signing.SignatureExpired` when too old, `signing.BadSignature` when tampered."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=unsubscribe_max_age())
    try:
        request = UnsubscribeRequest(user_id=int(data["u"]), scope=str(data["s"]))
    except (KeyError, TypeError, ValueError) as error:
        raise signing.BadSignature("Malformed unsubscribe payload") from error
    if not valid_scope(request.scope):
        raise signing.BadSignature("Unknown unsubscribe scope")
    return request


def unsubscribe_url(*, user_id: int, scope: str) -> str:
    """Absolute URL (it goes into e-mails and the List-Unsubscribe header)."""
    path = reverse(
        "notifications:unsubscribe",
        kwargs={"token": unsubscribe_token(user_id=user_id, scope=scope)},
    )
    return settings.SITE_URL.rstrip("/") + path

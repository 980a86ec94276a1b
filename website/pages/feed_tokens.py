"""The member's personal feed token, as the feeds of `/flux/` see it.

The token belongs to the notifications app (its per-member feed and the preferences page use
and renew it). Pages sit below notifications, so notifications hands its two functions over
when it starts (`NotificationsConfig.ready`), the way search hands its ranking to `qa`.
"""

_reader = None
_token_for = None


def use_feed_tokens(*, reader, token_for) -> None:
    """`reader(token=)` returns the member a live token opens (or None); `token_for(user=)`
    returns the member's token, made on first use."""
    global _reader, _token_for
    _reader, _token_for = reader, token_for


def feed_reader(token: str | None):
    """The approved, active member whose live feed token this is, or None."""
    if _reader is None:
        return None
    return _reader(token=token)


def feed_token_for(user):
    """The member's feed token (with `token` and `is_expired()`), or None without the app."""
    if _token_for is None:
        return None
    return _token_for(user=user)

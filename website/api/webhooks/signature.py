"""The webhook secret and the signature of a delivery.

Every request carries `Entraide-Webhook-Timestamp` (Unix seconds, the time of this attempt)
and `Entraide-Webhook-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<body>` keyed
with the endpoint's secret. Signing the timestamp with the body lets a receiver refuse an old
request replayed later (docs/api.md has the receiver's side, standard library only).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 (a marker that makes leaked secrets easy to scan for)
SIGNATURE_SCHEME = "sha256="


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Entraide-Webhook-Signature` header's value."""
    message = str(timestamp).encode() + b"." + body
    return SIGNATURE_SCHEME + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()

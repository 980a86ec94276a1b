"""Registering webhook endpoints: the secret is made here and returned once."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from directory.mfa import encrypt_secret
from website.api.models import WebhookEndpoint
from website.api.webhooks.signature import new_secret


@dataclass(frozen=True)
class NewSecret:
    endpoint: WebhookEndpoint
    secret: str  # shown once, kept only encrypted


@transaction.atomic
def endpoint_create(*, endpoint: WebhookEndpoint) -> NewSecret:
    """Save a new endpoint (its address already checked by the form) with a fresh secret."""
    secret = new_secret()
    endpoint.secret_encrypted = encrypt_secret(secret)
    endpoint.save()
    return NewSecret(endpoint=endpoint, secret=secret)


def endpoint_enable(*, endpoint: WebhookEndpoint) -> None:
    """Switch an endpoint back on (its receiver was mended): the failure count starts over."""
    endpoint.is_active = True
    endpoint.consecutive_failures = 0
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""

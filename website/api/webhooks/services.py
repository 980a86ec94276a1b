"""Registering webhook endpoints and renewing their secret: the secret is made here and
returned once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from directory.mfa import decrypt_secret, encrypt_secret
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


@transaction.atomic
def endpoint_secret_renew(*, endpoint: WebhookEndpoint) -> NewSecret:
    """Give the endpoint a new secret, returned once. The secret it replaces still signs the
    deliveries, beside the new one, for `API_WEBHOOKS_SECRET_GRACE_HOURS`: the receiver
    switches to the new secret meanwhile without refusing a delivery. Renewing again within
    that time drops the older secret (only the one just replaced is kept)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    now = timezone.now()
    secret = new_secret()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_until = now + timedelta(hours=settings.API_WEBHOOKS_SECRET_GRACE_HOURS)
    endpoint.secret_encrypted = encrypt_secret(secret)
    endpoint.secret_renewed_at = now
    endpoint.save(
        update_fields=[
            "previous_secret_encrypted",
            "previous_secret_until",
            "secret_encrypted",
            "secret_renewed_at",
        ]
    )
    return NewSecret(endpoint=endpoint, secret=secret)


def signing_secrets(endpoint: WebhookEndpoint, now=None) -> list[str]:
    """The secrets that sign a delivery now: the current one, then the replaced one while its
    grace period lasts."""
    now = now or timezone.now()
    secrets = [decrypt_secret(endpoint.secret_encrypted)]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret_encrypted and until is not None and until > now:
        secrets.append(decrypt_secret(endpoint.previous_secret_encrypted))
    return secrets

"""The ProConnect provider: allauth's OpenID Connect provider with ProConnect's requirements."""

from __future__ import annotations

import secrets

from allauth.account.models import EmailAddress
from allauth.socialaccount.providers.openid_connect.provider import (
    OpenIDConnectProvider,
    OpenIDConnectProviderAccount,
)
from django.urls import reverse
from django.utils.http import urlencode

from website.proconnect.views import ProConnectOAuth2Adapter

# ProConnect answers only the claims that are asked for, one scope each.
SCOPES = (
    "openid",
    "email",
    "given_name",
    "usual_name",
    "siret",
    "idp_id",
    "roles",
    "organization_label",
)
# ProConnect asks for a state of at least 32 characters; 32 random bytes give 43.
STATE_BYTES = 32
NONCE_BYTES = 32


def claims(data: dict) -> dict:
    """The ID token's claims completed by the user-info ones (the ID token wins on `sub`)."""
    merged = {**(data.get("userinfo") or {}), **(data.get("id_token") or {})}
    return merged or data


class ProConnectAccount(OpenIDConnectProviderAccount):
    def get_user_data(self) -> dict | None:
        return claims(self.account.extra_data)

    def to_str(self):
        data = claims(self.account.extra_data)
        return data.get("email") or super().to_str()


class ProConnectProvider(OpenIDConnectProvider):
    id = "proconnect"
    name = "ProConnect"
    account_class = ProConnectAccount
    oauth2_adapter_class = ProConnectOAuth2Adapter
    # Logging in from a token posted by a client (allauth's headless API) would skip the
    # nonce; only the browser flow is offered.
    supports_token_authentication = False

    @property
    def server_url(self):
        return discovery_url(self.app.settings["domain"])

    def get_login_url(self, request, **kwargs):
        url = reverse("proconnect_login")
        if kwargs:
            url = f"{url}?{urlencode(kwargs)}"
        return url

    def get_callback_url(self):
        return reverse("proconnect_callback")

    def get_default_scope(self):
        return list(SCOPES)

    def get_scope(self):
        return list(SCOPES)

    def get_scope_from_request(self, request):
        # The scope list is fixed: a `?scope=` parameter cannot widen it.
        return list(SCOPES)

    def get_auth_params_from_request(self, request, action):
        # Nor can `?auth_params=` add or replace parameters (the nonce in particular).
        return {}

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(NONCE_BYTES)
        kwargs["auth_params"] = {"nonce": nonce}
        kwargs["scope"] = list(SCOPES)
        # The nonce is kept in the stashed state, bound to this one state value.
        return super().redirect(request, process, next_url, data, nonce=nonce, **kwargs)

    def stash_redirect_state(self, request, process, next_url=None, data=None, **kwargs):
        if not kwargs.get("state_id"):
            kwargs["state_id"] = secrets.token_urlsafe(STATE_BYTES)
        return super().stash_redirect_state(request, process, next_url, data, **kwargs)

    def extract_uid(self, data):
        return str(claims(data)["sub"])

    def extract_common_fields(self, data):
        data = claims(data)
        return {
            "email": data.get("email"),
            "first_name": data.get("given_name") or "",
            # ProConnect's `usual_name` is the name in use (family name or married name).
            "last_name": data.get("usual_name") or "",
        }

    def extract_email_addresses(self, data):
        email = claims(data).get("email")
        if not email:
            return []
        # ProConnect only hands out professional addresses checked by the agent's
        # identity provider: no second confirmation mail.
        return [EmailAddress(email=email, verified=True, primary=True)]


def discovery_url(domain: str) -> str:
    """`PROCONNECT_DOMAIN` is a host name (https implied) or a full base address."""
    base = domain if domain.startswith(("https://", "http://")) else f"https://{domain}"
    return f"{base.rstrip('/')}/api/v2/.well-known/openid-configuration"


provider_classes = [ProConnectProvider]

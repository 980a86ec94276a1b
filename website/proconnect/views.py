"""ProConnect adapter and views: every token verified, the nonce checked, logout upstream."""

from __future__ import annotations

import hmac
import secrets

import jwt
from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.http import Http404
from django.urls import reverse
from django.utils.http import urlencode

PROVIDER_ID = "proconnect"
# The raw ID token of the current session, sent back as `id_token_hint` at logout.
SESSION_ID_TOKEN = "proconnect_id_token"  # noqa: S105 (a session key name)
# Asymmetric algorithms only: never `none`, never an HMAC keyed with public material.
ALLOWED_ALGORITHMS = ("RS256", "ES256")
# Tolerated clock difference with the provider, in seconds.
LEEWAY = 30


class ProConnectOAuth2Adapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter, stricter.

    allauth skips the ID token's signature when the token came straight from the token
    endpoint and never sends a nonce; ProConnect requires both, and answers user info as a
    signed JWT (`application/jwt`) that allauth cannot read.
    """

    # Set by the callback view: the state stashed when the login started (holds the nonce).
    state: dict | None = None

    def __init__(self, request, provider_id=PROVIDER_ID) -> None:
        super().__init__(request, provider_id)

    def get_callback_url(self, request, app):
        return build_absolute_uri(
            request, reverse("proconnect_callback"), self.redirect_uri_protocol
        )

    def complete_login(self, request, app, token, **kwargs):
        id_token = kwargs["response"].get("id_token")
        if not id_token:
            raise OAuth2Error("ProConnect answered without an ID token")
        expected_nonce = (self.state or {}).get("nonce")
        id_claims = self.verify_jwt(app, id_token)
        received_nonce = id_claims.get("nonce")
        if not (
            expected_nonce
            and isinstance(received_nonce, str)
            and hmac.compare_digest(received_nonce, expected_nonce)
        ):
            raise OAuth2Error("Missing or wrong nonce in the ID token")
        userinfo = self.fetch_userinfo(app, token.token)
        if userinfo.get("sub") != id_claims["sub"]:
            raise OAuth2Error("User info and ID token name different people")
        request.session[SESSION_ID_TOKEN] = id_token
        data = {"id_token": id_claims, "userinfo": userinfo}
        return self.get_provider().sociallogin_from_response(request, data)

    def verify_jwt(self, app, credential: str, *, require=("exp", "iat", "iss", "aud", "sub")):
        """Check signature, issuer, audience and expiry; return the claims."""
        try:
            header = jwt.get_unverified_header(credential)
            algorithm = header.get("alg")
            if algorithm not in ALLOWED_ALGORITHMS:
                raise OAuth2Error(f"Refused signing algorithm: {algorithm!r}")
            key = self.signing_key(header.get("kid"), algorithm)
            return jwt.decode(
                credential,
                key=key,
                algorithms=[algorithm],
                audience=app.client_id,
                issuer=self.openid_config["issuer"],
                leeway=LEEWAY,
                options={"require": list(require), "verify_signature": True},
            )
        except jwt.PyJWTError as error:
            raise OAuth2Error(f"Invalid token: {error}") from error

    def signing_key(self, kid, algorithm):
        with get_adapter().get_requests_session() as session:
            response = session.get(self.openid_config["jwks_uri"])
            response.raise_for_status()
            keys = response.json().get("keys", [])
        candidates = [k for k in keys if k.get("use", "sig") == "sig"]
        if kid is not None:
            candidates = [k for k in candidates if k.get("kid") == kid]
        if len(candidates) != 1:
            raise OAuth2Error(f"No single signing key for kid {kid!r}")
        jwk = jwt.PyJWK(candidates[0], algorithm=algorithm)
        return jwk.key

    def fetch_userinfo(self, app, access_token: str) -> dict:
        headers = {"Authorization": f"Bearer {access_token}"}
        with get_adapter().get_requests_session() as session:
            response = session.get(self.profile_url, headers=headers)
            response.raise_for_status()
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        if content_type == "application/jwt":
            return self.verify_jwt(app, response.text, require=("iss", "aud", "sub"))
        return response.json()

    def end_session_url(self, request, id_token: str) -> str | None:
        """Where to send the browser so that the ProConnect session ends too."""
        endpoint = self.openid_config.get("end_session_endpoint")
        if not endpoint:
            return None
        params = {
            "id_token_hint": id_token,
            "state": secrets.token_urlsafe(32),
            "post_logout_redirect_uri": build_absolute_uri(request, "/"),
        }
        return f"{endpoint}?{urlencode(params)}"


class ProConnectCallbackView(OAuth2CallbackView):
    """allauth's callback, handing the unstashed state (and its nonce) to the adapter."""

    def _get_state(self, request, provider):
        state, response = super()._get_state(request, provider)
        self.adapter.state = state
        return state, response


@login_not_required
def login(request):
    try:
        return OAuth2LoginView.adapter_view(ProConnectOAuth2Adapter(request))(request)
    except SocialApp.DoesNotExist as error:
        raise Http404 from error


@login_not_required
def callback(request):
    try:
        return ProConnectCallbackView.adapter_view(ProConnectOAuth2Adapter(request))(request)
    except SocialApp.DoesNotExist as error:
        raise Http404 from error

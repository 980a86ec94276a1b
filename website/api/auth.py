"""Who is calling the API: a personal token in `Authorization: Bearer …`, or nobody.

The API never looks at the session cookie: a request without a token is a visitor's, whoever
is logged in in the same browser. So no request can ride on a session, and the API needs no
CSRF token. A token works only while it is neither revoked nor expired, and only for an
account that may use the site at all: approved and active (`directory.roles.is_member`), and,
for moderators, editors and superusers, with the two-factor authentication the site demands
of them (`website.middleware.requires_mfa`). Each request of a token counts against its
rate limit (`website.api.ratelimit`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from directory.roles import is_member
from website.api.models import ApiToken
from website.api.problems import Problem
from website.api.ratelimit import count_request
from website.api.services import TOKEN_PREFIX, token_lookup, token_touch
from website.middleware import has_totp, requires_mfa

# Query parameters that would carry a token: refused, so that no token ends in a log line.
QUERY_TOKEN_NAMES = frozenset(
    {"token", "access_token", "api_key", "apikey", "key", "jeton", "bearer", "authorization"}
)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="entraide"'}


@dataclass(frozen=True)
class Caller:
    """`request.auth` in every endpoint: the account (anonymous for visitors) and its token."""

    user: object
    token: ApiToken | None

    def __bool__(self):  # ninja treats a falsy result as "not authenticated"
        return True


def _unauthorised(code: str, detail: str) -> Problem:
    headers = {"WWW-Authenticate": 'Bearer realm="entraide", error="invalid_token"'}
    return Problem(401, code, detail, headers=headers)


def _refuse_token_in_query(request) -> None:
    for name, values in request.GET.lists():
        if name.lower() in QUERY_TOKEN_NAMES or any(TOKEN_PREFIX in v for v in values):
            raise Problem(
                400,
                "token_in_query",
                _(
                    "Un jeton ne se passe jamais dans l'adresse (elle finit dans les journaux) : "
                    "envoyez-le dans l'en-tête « Authorization: Bearer … ». Révoquez ce jeton "
                    "et créez-en un autre."
                ),
            )


def identify(request) -> Caller:
    """Set `request.user` from the token (or to a visitor) and return the caller."""
    _refuse_token_in_query(request)
    header = request.headers.get("Authorization", "")
    if not header:
        request.user = AnonymousUser()
        return Caller(user=request.user, token=None)
    scheme, _space, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or " " in secret:
        raise _unauthorised(
            "token_malformed",
            _("L'en-tête Authorization doit être de la forme « Bearer <jeton> »."),
        )
    token = token_lookup(secret)
    if token is None:
        raise _unauthorised("token_unknown", _("Ce jeton n'existe pas."))
    if token.revoked_at is not None:
        raise _unauthorised("token_revoked", _("Ce jeton a été révoqué."))
    if token.is_expired:
        raise _unauthorised("token_expired", _("Ce jeton a expiré : créez-en un nouveau."))
    user = token.user
    if not is_member(user):
        raise Problem(
            403,
            "account_not_active",
            _("Ce compte est en attente de validation ou désactivé : ses jetons ne servent pas."),
        )
    if settings.MFA_REQUIRED_FOR_STAFF and requires_mfa(user) and not has_totp(user):
        raise Problem(
            403,
            "mfa_required",
            _(
                "Votre rôle demande la double authentification : activez-la sur le site avant "
                "d'utiliser vos jetons."
            ),
        )
    count_request(request, token)
    token_touch(token)
    request.user = user
    return Caller(user=user, token=token)


class TokenAuth(HttpBearer):
    """The OpenAPI security scheme (HTTP bearer); a request without a token goes through as
    a visitor, and each endpoint decides what a visitor may do."""

    def __call__(self, request):
        return identify(request)

    def authenticate(self, request, token):  # pragma: no cover - __call__ does the work
        return identify(request)


def require_scope(request, scope: str) -> None:
    """The token must carry `scope`; a visitor is asked to authenticate for anything but
    reading (what a visitor may read is the Q&A permissions' business)."""
    caller: Caller = request.auth
    if caller.token is None:
        if scope == "read":
            return
        raise Problem(
            401,
            "authentication_required",
            _("Cette opération demande un jeton personnel."),
            headers=CHALLENGE,
        )
    if scope not in caller.token.scopes:
        raise Problem(
            403,
            "insufficient_scope",
            _("Ce jeton n'a pas le droit « %(scope)s ».") % {"scope": scope},
            headers={
                "WWW-Authenticate": f'Bearer realm="entraide", error="insufficient_scope", '
                f'scope="{scope}"'
            },
        )

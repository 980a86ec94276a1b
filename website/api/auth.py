"""Who is calling the API: a personal token in `Authorization: Bearer …`, or nobody.

The API never looks at the session cookie: a request without a token is a visitor's, whoever
is logged in in the same browser. So no request can ride on a session, and the API needs no
CSRF token. A token works only while it is neither revoked nor expired, and only for an
account that may use the site at all: approved and active (`directory.roles.is_member`). The
token of a moderator, an editor or a superuser acts as a plain member's unless it carries
`admin:staff` (given by a superuser only), or, for an editor's editing role alone,
`write:veille`; with either (or with `admin:import`, `website.api.imports`), the account
must have the two-factor authentication the site demands of these roles
(`website.middleware.requires_mfa`). Each request of a token counts
against its rate limit, and each request without one against its client address's
(`website.api.ratelimit`).

A structure's service token (`ApiToken.structure`, made by a moderator in the Wagtail admin)
reads as a plain member and nothing more: no role of its owner (not even expert), no scope
but `SERVICE_SCOPES`, never `admin:staff`; it works only while its owner is an active,
approved moderator.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from directory.roles import EDITORS, MEMBERS, MODERATORS, is_member, is_moderator, role_names
from website.api.models import SERVICE_SCOPES, ApiToken, Scope
from website.api.problems import Problem
from website.api.ratelimit import count_anonymous_request, count_request
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
        count_anonymous_request(request)
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
    if token.is_service:
        if not is_moderator(user):
            raise Problem(
                403,
                "service_token_owner_not_moderator",
                _(
                    "Le modérateur qui a créé ce jeton de service ne l'est plus : un autre "
                    "modérateur doit en créer un nouveau pour cette structure."
                ),
            )
        user = as_plain_member(user, service=True)
    elif requires_mfa(user):
        acts_as_staff = Scope.ADMIN_STAFF in token.scopes
        drafts_veille = Scope.WRITE_VEILLE in token.scopes
        imports = Scope.ADMIN_IMPORT in token.scopes
        if (acts_as_staff or drafts_veille or imports) and settings.MFA_REQUIRED_FOR_STAFF:
            if not has_totp(user):
                raise Problem(
                    403,
                    "mfa_required",
                    _(
                        "Votre rôle demande la double authentification : activez-la sur le site "
                        "avant d'utiliser un jeton d'administration."
                    ),
                )
        if not acts_as_staff:
            user = as_plain_member(user, keep_editor=drafts_veille)
    count_request(request, token)
    token_touch(token)
    request.user = user
    return Caller(user=user, token=token)


def _not_saved(*args, **kwargs):
    raise RuntimeError("An account seen through a token without admin:staff is never saved.")


def as_plain_member(user, *, keep_editor: bool = False, service: bool = False):
    """The account as a token without `admin:staff` acts: its own roles but moderator and
    editor (editor kept for a `write:veille` token), and not a superuser; for a service
    token, no role at all but member's. This copy is in memory only (and refuses `save()`);
    the role predicates (`directory.roles`) read the cached role names it carries."""
    member = copy.copy(user)
    member.is_superuser = False
    member.is_staff = False
    if service:
        member._role_names = role_names(user) & {MEMBERS}
    else:
        dropped = {MODERATORS} if keep_editor else {MODERATORS, EDITORS}
        member._role_names = role_names(user) - dropped
    member.save = _not_saved
    return member


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
    allowed = caller.token.scopes
    if caller.token.is_service:
        allowed = [s for s in allowed if s in SERVICE_SCOPES]
    if scope not in allowed:
        raise Problem(
            403,
            "insufficient_scope",
            _("Ce jeton n'a pas le droit « %(scope)s ».") % {"scope": scope},
            headers={
                "WWW-Authenticate": f'Bearer realm="entraide", error="insufficient_scope", '
                f'scope="{scope}"'
            },
        )

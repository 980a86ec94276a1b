"""`/api/v1/`: the NinjaAPI instance, its error handlers and its documentation page.

Wagtail 8 ships its own ninja API (namespace `wagtailapi_v3`, `/api/v3/` when a project mounts
`wagtail.api.v3.urls`); this site does not mount it. Ours has its own namespace (`api_v1`)
and lives before Wagtail's catch-all page route in `website/urls.py`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from website.api import (  # noqa: F401 (the converter registers itself; the others add their operations to the router)
    agenda,
    converters,
    imports,
    pages,
    people,
    read,
    write,
)
from website.api.auth import CHALLENGE, TokenAuth
from website.api.problems import Problem, from_exception, problem

api = NinjaAPI(
    title="Entraide API",
    version="1.0.0",
    description=(
        "Read and write Entraide's questions and answers with a personal token "
        "(`Authorization: Bearer …`, created on your account page, /compte/jetons/). "
        "Errors are problem details (RFC 9457), in French, or in English with "
        "`Accept-Language: en`. See docs/api.md."
    ),
    urls_namespace="api_v1",
    auth=TokenAuth(),
    # Served from this server's static files ("ninja" is in INSTALLED_APPS); the validator
    # badge would call validator.swagger.io, so it is off.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", read.router)


@api.exception_handler(Problem)
def _problem(request, exc):
    return from_exception(request, exc)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error["type"]}
        for error in exc.errors
    ]
    return problem(
        request,
        422,
        "invalid_input",
        _("Certaines valeurs sont refusées : voir « errors »."),
        errors=errors,
    )


@api.exception_handler(PermissionDenied)
def _denied(request, exc):
    if not request.user.is_authenticated:
        return problem(
            request,
            401,
            "authentication_required",
            _("Cette ressource demande un jeton personnel."),
            headers=CHALLENGE,
        )
    return problem(request, 403, "forbidden", str(exc) or _("Vous n'avez pas accès à ceci."))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem(request, 404, "not_found", _("Cette ressource n'existe pas."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem(request, 401, "authentication_required", "", headers=CHALLENGE)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return problem(request, 400, "json_invalid", _("Le corps n'est pas du JSON valide."))
    return problem(request, exc.status_code, "http_error", str(exc))


def not_found(request, rest=""):
    """Any other address under /api/v1/: a problem document, not the site's HTML 404."""
    return problem(request, 404, "not_found", _("Cette adresse n'existe pas dans l'API."))

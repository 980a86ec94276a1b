"""Errors as JSON problem details (RFC 9457), in French, in English when the client's
`Accept-Language` asks for it (Django's locale middleware has chosen the language).

Every error of the API goes through `problem()`: `type` stays `about:blank` (the HTTP status
says what kind of error it is), `code` is a stable, machine-readable name, `title` and `detail`
are translated for a person.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _

CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    """Raised anywhere in the API; answered as a problem document."""

    def __init__(self, status: int, code: str, detail: str = "", *, headers=None, errors=None):
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.errors = errors


def titles() -> dict[int, str]:
    return {
        304: "",
        400: _("Requête invalide"),
        401: _("Authentification requise"),
        403: _("Accès refusé"),
        404: _("Introuvable"),
        405: _("Méthode non permise"),
        409: _("Conflit"),
        413: _("Requête trop volumineuse"),
        422: _("Données refusées"),
        429: _("Trop de requêtes"),
        500: _("Erreur du serveur"),
        503: _("Service indisponible"),
    }


def problem(
    request, status: int, code: str, detail: str = "", *, headers=None, errors=None
) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": titles().get(status, ""),
        "status": status,
        "code": code,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    response["Content-Language"] = (
        request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "fr"
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def from_exception(request, exc: Problem) -> HttpResponse:
    return problem(
        request, exc.status, exc.code, exc.detail, headers=exc.headers, errors=exc.errors
    )

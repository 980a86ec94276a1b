"""The `RateLimit-*` headers of a counted request (`website.api.ratelimit`), and the errors
Django answers before the API's own handlers can: an oversized body
(`website.middleware.RequestBodyLimitMiddleware`, which refuses it before anything reads it), a
NUL character in the address (`website.middleware.NulCharacterMiddleware`) and a method the
address does not take (django-ninja's plain-text 405). Under `/api/v1/` they become problem
documents like every other error of the API, in French or English.

Placed after `LocaleMiddleware` (the language is chosen and still active on the way out) and
before `RequestBodyLimitMiddleware` (so that it sees its 413 on the way out).
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from website.api.problems import CONTENT_TYPE, problem
from website.middleware import NUL_CHARACTER_REFUSAL, body_limit_for

API_PREFIX = "/api/v1/"


class ApiProblemMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        counted = getattr(request, "api_rate_count", None)
        if counted is not None:
            for name, value in counted.headers().items():
                response[name] = value
        if not request.path.startswith(API_PREFIX) or response.get("Content-Type") == CONTENT_TYPE:
            return response
        if response.status_code == 413:
            limit = body_limit_for(request.path)
            return problem(
                request,
                413,
                "body_too_large",
                _("Le corps de la requête dépasse la taille permise (%(size)s octets).")
                % {"size": number_format(limit, force_grouping=True)},
            )
        if getattr(response, "refusal", None) == NUL_CHARACTER_REFUSAL:
            return problem(
                request,
                400,
                "invalid_input",
                _("L'adresse ou ses paramètres contiennent un caractère nul, refusé par l'API."),
            )
        if response.status_code == 405:
            allowed = ", ".join(sorted(m.strip() for m in response.get("Allow", "").split(",")))
            return problem(
                request,
                405,
                "method_not_allowed",
                _(
                    "Cette adresse n'accepte pas la méthode %(method)s. Méthodes permises : "
                    "%(allowed)s."
                )
                % {"method": request.method, "allowed": allowed},
                headers={"Allow": allowed},
            )
        return response

import logging
import re

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from directory.roles import EDITORS, MODERATORS, is_member, role_names

logger = logging.getLogger(__name__)

# The API ignores the session (a token, or a visitor): its own gate refuses the tokens of
# pending accounts and of staff without two-factor authentication (website/api/auth.py).
API_PREFIX = "/api/v1/"
# Paths a pending account may reach: its account pages, the waiting page, health, assets.
PENDING_ALLOWED_PREFIXES = (
    "/comptes/",
    "/compte/en-attente/",
    "/sante/",
    "/static/",
    "/i18n/",
    API_PREFIX,
)
# Paths a moderator, editor or superuser without two-factor authentication may reach: the
# account pages (login, logout, re-authentication, MFA set-up), health, assets, language.
MFA_SETUP_ALLOWED_PREFIXES = (
    "/comptes/",
    "/sante/",
    "/static/",
    "/i18n/",
    "/jsi18n/",
    API_PREFIX,
)


def requires_mfa(user) -> bool:
    """Moderators, editors and superusers hold powers over other people's data."""
    return bool(
        user.is_authenticated and (user.is_superuser or {MODERATORS, EDITORS} & role_names(user))
    )


def has_totp(user) -> bool:
    """Read with the request's user when it came from the session (website/auth_backends.py)."""
    known = getattr(user, "_has_totp", None)
    if known is not None:
        return known
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class AccountGateMiddleware:
    """The account gate, before any view runs.

    - A pending account (not yet approved by a moderator) sees only the waiting page.
    - A moderator, editor or superuser who has not turned on an authenticator app (TOTP) is
      sent to its set-up, with an explanation, from every page but the account pages
      (`MFA_REQUIRED_FOR_STAFF`, on by default).

    Visitors are handled per view (each view checks its own permission on the server).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.is_pending
            and not request.path.startswith(PENDING_ALLOWED_PREFIXES)
        ):
            return redirect(reverse("pending"))
        if (
            settings.MFA_REQUIRED_FOR_STAFF
            and not request.path.startswith(MFA_SETUP_ALLOWED_PREFIXES)
            and requires_mfa(user)
            and not has_totp(user)
        ):
            messages.warning(
                request,
                _(
                    "Votre rôle (modération, édition ou administration) donne accès aux "
                    "données d'autres personnes : la double authentification est obligatoire. "
                    "Activez une application d'authentification pour continuer."
                ),
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


NUL_CHARACTER_REFUSAL = "nul-character"


class NulCharacterMiddleware:
    """Refuse with 400 an address or a query string that holds a NUL character.

    PostgreSQL refuses a NUL in any text it is sent (a `DataError`, so a 500 for a filter such as
    `?sujet=a%00b`), SQLite takes it; no page, filter or API address has a use for it. The
    site's forms refuse it already (Django's `ProhibitNullCharactersValidator`), the API's
    bodies in their schemas (`website.api.schemas.Input`). Under the API the refusal becomes a
    problem document (`website.api.middleware`, which reads `refusal` on the response).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or ("%00" in query and _query_holds_nul(request)):
            response = render(request, "website/nul_character.html", status=400)
            response.refusal = NUL_CHARACTER_REFUSAL
            return response
        return self.get_response(request)


def _query_holds_nul(request) -> bool:
    return any("\x00" in key + "".join(values) for key, values in request.GET.lists())


class RequestBodyLimitMiddleware:
    """Refuse a request body over the documented size with 413, before anything reads it.

    Django bounds only the non-file part of a form (`DATA_UPLOAD_MAX_MEMORY_SIZE`); a multipart
    body of any size is read and spooled to disk by the CSRF middleware before a view can check
    who is posting. `Content-Length` is compared first: `REQUEST_BODY_MAX_SIZE` everywhere,
    `UPLOAD_BODY_MAX_SIZE` under the Wagtail admin, where editors upload documents and images,
    `ATTACHMENT_BODY_MAX_SIZE` for a member's multipart form on the Q&A posting paths, which
    carry attachments (`COMMENT_ATTACHMENT_BODY_MAX_SIZE` on the comment forms).
    Without `Content-Length` Django reads no body at all. The reverse proxy should refuse
    larger bodies too (README, deployment).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body for an invalid length
        limit = max(body_limit_for(request.path), _attachment_limit(request))
        if length > limit:
            return render(request, "413.html", {"max_size": limit}, status=413)
        return self.get_response(request)


class IncompleteBodyMiddleware:
    """Refuse with 400 a form whose body stopped before its `Content-Length` (a connection cut
    halfway through an upload), before any view sees it.

    Django's form parsers do not notice a short body: the multipart parser drops the file it
    was receiving and returns the fields and files read so far, so a view would publish the
    post without its files. The bytes read are counted while the form is parsed here (the
    CSRF check would parse it next anyway) and compared with the announced length. Bodies
    other than forms, and everything under the API (CSRF-exempt, it reads `request.body`
    itself, which a parsed form would forbid), are read by their views and not checked.
    """

    FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if (
            request.method != "POST"
            or length <= 0
            or request.content_type not in self.FORMS
            or request.path.startswith(API_PREFIX)  # reads its own body (`request.body`)
        ):
            return self.get_response(request)
        # WSGIRequest reads its body through `_stream` (a LimitedStream of `wsgi.input`).
        counted = request._stream = _CountingStream(request._stream)
        try:
            request.POST  # noqa: B018 (parse the form now, counting what is read)
        except OSError:  # UnreadablePostError: the connection failed while reading
            counted.failed = True
        if counted.failed or counted.count < length:
            logger.warning(
                "Form body cut: %s of %s bytes received on %s", counted.count, length, request.path
            )
            return render(request, "website/incomplete_body.html", status=400)
        return self.get_response(request)


class UploadRedirectMiddleware:
    """A form sent by static/js/attachments.js (header `X-Entraide-Upload`, to show the upload's
    progress) gets its redirect as 204 with `X-Entraide-Location`: the script then opens that
    page itself. A browser request following the redirect would take the page's flash message
    (« Votre réponse est publiée. ») before the member sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get("X-Entraide-Upload") and response.status_code in (301, 302, 303):
            redirect_response = HttpResponse(status=204)
            redirect_response["X-Entraide-Location"] = response["Location"]
            for cookie in response.cookies.values():
                redirect_response.cookies[cookie.key] = cookie
            return redirect_response
        return response


class _CountingStream:
    def __init__(self, stream):
        self._stream = stream
        self.count = 0
        self.failed = False

    def read(self, *args, **kwargs):
        data = self._stream.read(*args, **kwargs)
        self.count += len(data)
        return data

    def readline(self, *args, **kwargs):
        line = self._stream.readline(*args, **kwargs)
        self.count += len(line)
        return line

    def __getattr__(self, name):  # close() and the rest: the wrapped stream's
        return getattr(self._stream, name)


def _attachment_limit(request) -> int:
    """A member sending a multipart form to a posting path (files attached to a post): only
    then the larger limit (a question or an answer, or the smaller one of a comment), so
    visitors and pending accounts cannot make the server spool 150 MB, and a body of text
    alone stays under `REQUEST_BODY_MAX_SIZE`."""
    if not (
        request.method == "POST"
        and request.content_type == "multipart/form-data"
        and is_member(request.user)
    ):
        return 0
    if re.match(settings.ATTACHMENT_BODY_PATH_PATTERN, request.path):
        return settings.ATTACHMENT_BODY_MAX_SIZE
    if re.match(settings.COMMENT_ATTACHMENT_BODY_PATH_PATTERN, request.path):
        return settings.COMMENT_ATTACHMENT_BODY_MAX_SIZE
    return 0


def body_limit_for(path: str) -> int:
    if path.startswith(settings.UPLOAD_BODY_PATH_PREFIXES):
        return settings.UPLOAD_BODY_MAX_SIZE
    return settings.REQUEST_BODY_MAX_SIZE

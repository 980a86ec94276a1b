import re

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from directory.roles import EDITORS, MODERATORS, is_member, role_names

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

"""Views that span the apps: health check, the pending-approval page, the session renewal,
error pages."""

import logging

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from website import sessions
from website.search.status import index_status

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def set_language(request):
    """Django's language switch, whose form is in every page's footer.

    A member's switch needs its CSRF token as any form does. A visitor's form has none: with
    `PUBLIC_READ`, a page holding a per-visitor token could not be kept by a shared cache
    (website/http_cache.py), and a forged cross-site switch can only change a visitor's
    language, which the same form changes back.
    """
    if request.user.is_authenticated:
        return csrf_protect(i18n.set_language)(request)
    return i18n.set_language(request)


@never_cache
def health(request):
    """200 when the database and the search folder are usable, 503 otherwise (for monitors)."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        logger.exception("Health check: database unreachable")
        checks["database"] = "error"
    search = index_status()
    checks["search"] = search.state
    healthy = checks["database"] == "ok" and search.usable
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )


@never_cache
def pending(request):
    """What an account awaiting a moderator's approval sees, and nothing else."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    if not request.user.is_pending:
        return redirect("/")
    return render(request, "website/pending.html")


@require_POST
@login_required
def session_renew(request):
    """« Rester connecté »: the session starts its two weeks again. The warning's script asks
    for JSON and stays on the page; the plain form goes back where it came from."""
    sessions.renew(request.session)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"seconds_left": sessions.seconds_left(request.session)})
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if safe else "/")


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def too_many_requests(request, exception=None):
    """Rate limits (allauth's and ours) answer with this page and HTTP 429."""
    return render(request, "429.html", status=429)

"""Logout at ProConnect: after a local logout, the browser goes on to the provider's end_session."""

import logging

from allauth.socialaccount.models import SocialApp
from django.http import HttpResponseRedirect
from django.urls import reverse
from requests import RequestException

from website.proconnect.views import SESSION_ID_TOKEN, ProConnectOAuth2Adapter

logger = logging.getLogger(__name__)


class ProConnectLogoutMiddleware:
    """A session opened through ProConnect is closed at ProConnect too (`id_token_hint`).

    allauth's logout view computes its redirect before logging out and has no provider hook,
    so the redirect is replaced here once the local logout has succeeded.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        id_token = None
        if request.method == "POST" and request.path == reverse("account_logout"):
            id_token = request.session.get(SESSION_ID_TOKEN)
        response = self.get_response(request)
        if id_token and response.status_code == 302 and not request.user.is_authenticated:
            try:
                url = ProConnectOAuth2Adapter(request).end_session_url(request, id_token)
            except (SocialApp.DoesNotExist, RequestException, ValueError):
                logger.warning("ProConnect logout: provider unreachable, local logout only")
                url = None
            if url:
                return HttpResponseRedirect(url)
        return response

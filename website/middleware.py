from django.shortcuts import redirect
from django.urls import reverse

# Paths a pending account may reach: its account pages, the waiting page, health, assets.
PENDING_ALLOWED_PREFIXES = ("/comptes/", "/compte/en-attente/", "/sante/", "/static/", "/i18n/")


class MembersOnlyMiddleware:
    """A pending account (not yet approved by a moderator) sees only the waiting page.

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
        return self.get_response(request)

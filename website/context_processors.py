from django.conf import settings

from website import sessions


def site(request):
    """Values every template needs: the site name, whether Q&A is public, and the search box's
    text (`search_q`: `{{ request.GET.q }}` without a `q` tries a key, an attribute and an
    index, then lists the QueryDict's attributes with `dir()`, on every page)."""
    return {
        "SITE_NAME": "Entraide",
        "PUBLIC_READ": settings.PUBLIC_READ,
        "search_q": request.GET.get("q", ""),
    }


def session_expiry(request):
    """When a logged-in member's session ends: the page warns ten minutes before."""
    if not request.user.is_authenticated:
        return {}
    return {"session_seconds_left": sessions.seconds_left(request.session)}

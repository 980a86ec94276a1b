from django.conf import settings

from website import sessions


def site(request):
    """Values every template needs: the site name and whether Q&A is public."""
    return {"SITE_NAME": "Entraide", "PUBLIC_READ": settings.PUBLIC_READ}


def session_expiry(request):
    """When a logged-in member's session ends: the page warns ten minutes before."""
    if not request.user.is_authenticated:
        return {}
    return {"session_seconds_left": sessions.seconds_left(request.session)}

from django.conf import settings
from django.utils.functional import LazyObject, empty

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


def viewer(request):
    """`user` as the user object itself, after Django's `auth` processor gave `request.user`,
    a lazy proxy: each attribute a template or a permission filter reads through the proxy
    costs a method call, and a thread page's role and permission filters read a few hundred
    (issue 16). The same object `request.user` stands for, loaded already by the middleware
    that checked the account (a visitor's is the anonymous user)."""
    user = getattr(request, "user", None)
    if not isinstance(user, LazyObject):
        return {}
    if user._wrapped is empty:
        user._setup()
    return {"user": user._wrapped}

"""How long a member stays logged in, and the warning before it ends (RGAA 13.1, WCAG 2.2.1).

A session lasts `SESSION_COOKIE_AGE` (two weeks) from its last renewal, and any request renews
it once a day: a member who uses the site is never logged out, for one write a day instead of
one per request (`SESSION_SAVE_EVERY_REQUEST`). A page left open until its session nearly ends
warns ten minutes before, with a « Rester connecté » button that renews it without leaving the
page (static/js/entraide.js): typed text is never lost to an expired session.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

RENEWED_AT = "entraide_renewed_at"
RENEW_EVERY = timedelta(days=1)


def _renewed_at(session) -> datetime | None:
    stamp = session.get(RENEWED_AT)
    return datetime.fromisoformat(stamp) if stamp else None


def renew(session, now: datetime | None = None) -> datetime:
    """Start the session's lifetime again from `now`; return when it now ends."""
    now = now or timezone.now()
    session[RENEWED_AT] = now.isoformat()  # a change: the session and its cookie are saved
    return now + timedelta(seconds=settings.SESSION_COOKIE_AGE)


def renew_if_due(session, now: datetime | None = None) -> None:
    now = now or timezone.now()
    renewed = _renewed_at(session)
    if renewed is None or now - renewed >= RENEW_EVERY:
        renew(session, now)


def stamp_at_login(sender, request, user, **kwargs) -> None:
    """A login starts the session's lifetime (saved with the login: no write on the next page)."""
    if request is not None and hasattr(request, "session"):
        renew(request.session)


def expires_at(session) -> datetime:
    """When the session ends if nothing renews it (a session renewed by this request counts)."""
    renewed = _renewed_at(session) or timezone.now()
    return renewed + timedelta(seconds=settings.SESSION_COOKIE_AGE)


def seconds_left(session) -> int:
    """What the page's script counts down from: a duration, not a date, so that a browser whose
    clock is wrong still warns at the right moment."""
    return max(0, int((expires_at(session) - timezone.now()).total_seconds()))


class SessionRenewalMiddleware:
    """Renews a logged-in member's session on their first request of the day.

    Placed after the session and authentication middleware: its answer phase runs before the
    session middleware's, which then saves the session and sends the cookie with its new age.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            renew_if_due(request.session)
        return self.get_response(request)

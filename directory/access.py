"""The access gate every view goes through: visitors to the login page, members to a 403.

A view states what it needs with the `check_*` predicates of its app's `permissions` module:
they raise `PermissionDenied` carrying a specific French message ("Cette question est déjà
fermée."). `gate` turns such a refusal into the answer the visitor can act on:

- a visitor (not logged in) is sent to the login page, back here afterwards (`next`);
- a logged-in account that is refused gets the 403 page with the predicate's message.

    @gate(permissions.check_moderate)          # checks needing only the user, before the view
    def flag_queue(request): ...

    @gate()                                     # checks on an object the view loads itself
    def post_edit(request, post_type, pk):
        post = ...
        permissions.check_edit_post(request.user, post)

A refusal that logging in would not lift (a visitor of a site open to the public asking for a
thread the moderators deleted) raises `Refused`: a 403 for visitors too.

This module sits in `directory`, the lowest layer that owns accounts: `qa` and `website` use it,
it imports neither.
"""

from __future__ import annotations

import functools

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


class Refused(PermissionDenied):
    """A 403 even for visitors: logging in would not change the answer."""


def signed_in(user) -> None:
    """A check for views whose real check needs an object: a visitor is sent to the login page
    before the look-up, so that 404 or not does not tell which ids exist."""
    if not user.is_authenticated:
        raise PermissionDenied


def gate(*checks):
    """Decorate a view: run each `check(user)` first, and answer any refusal as above."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                for check in checks:
                    check(request.user)
                return view(request, *args, **kwargs)
            except Refused:
                raise
            except PermissionDenied:
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                raise

        return wrapper

    return decorator


def redirect_back(request, default):
    """After a POST action: to the form's `next` when it is an address of this site (the
    « Mes suivis » page's unfollow buttons), else to `default` (an object or a URL)."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return redirect(target)
    return redirect(default)

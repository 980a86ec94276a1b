"""The account page of personal API tokens: list, create (secret shown once), revoke.

Members only (`directory.access.gate` with `is_member`): a pending account reaches no page but
the waiting one, and its tokens would not work anyway (`website.api.auth`).
"""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.access import gate
from directory.roles import is_member
from website.api import forms, services
from website.api.models import ApiToken


def check_member(user) -> None:
    if not is_member(user):
        raise PermissionDenied(_("Les jetons d'API sont réservés aux membres."))


def _creates(request) -> bool:
    return request.method == "POST"


@gate(check_member)
@reauthentication_required(enabled=_creates)
def token_list(request):
    """The member's tokens and the creation form. A token just created is shown once, in
    the answer to the form itself: its secret is never stored (not even in the session).

    Creating one needs a recent authentication (a password typed within
    `ACCOUNT_REAUTHENTICATION_TIMEOUT`): allauth keeps the POST, asks for the password (or a
    code), then replays it here, so the form is not lost. Revoking needs nothing more."""
    form = forms.TokenForm(request.POST or None, user=request.user)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new = services.token_create(
            user=request.user, name=data["name"], scopes=data["scopes"], days=data["days"]
        )
        new_secret = new.secret
        form = forms.TokenForm(user=request.user)
    # A moderator's service tokens are the structures' and are managed in the admin.
    tokens = ApiToken.objects.personal().filter(user=request.user).order_by("-created_at")
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "new_secret": new_secret},
        status=400 if form.errors else 200,
    )


@require_POST
@gate(check_member)
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken.objects.personal(), pk=pk, user=request.user)
    services.token_revoke(token=token)
    messages.success(request, _("Le jeton « %(name)s » est révoqué.") % {"name": token.name})
    return redirect("api:tokens")

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory import services
from directory.models import User
from directory.roles import is_moderator


def check_moderator(user):
    if not is_moderator(user):
        raise PermissionDenied(_("Cette page est réservée aux modérateurs."))


@login_required
def pending_accounts(request):
    """Moderators' queue of accounts waiting for approval, oldest first."""
    check_moderator(request.user)
    accounts = User.objects.filter(approved_at__isnull=True, is_active=True).order_by("date_joined")
    return render(request, "directory/pending_accounts.html", {"accounts": accounts})


@login_required
@require_POST
def account_approve(request, pk):
    check_moderator(request.user)
    user = get_object_or_404(User, pk=pk, approved_at__isnull=True)
    services.account_approve(user=user, approved_by=request.user)
    messages.success(request, _("Le compte de %(name)s est approuvé.") % {"name": user})
    return redirect("directory:pending_accounts")

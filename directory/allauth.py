"""Project policy for allauth: new accounts wait for approval unless they were invited; an
exhausted failed-login budget answers HTTP 429; a password login counts as a recent
authentication."""

from allauth.account import views as account_views
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import (
    get_authentication_records,
    record_authentication,
)
from allauth.mfa.base import views as mfa_views
from django.urls import reverse

from directory import services


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            services.account_accept_invitation(user=user)
        return user

    def get_login_redirect_url(self, request):
        if request.user.is_pending:
            return reverse("pending")
        return super().get_login_redirect_url(request)


# --- An exhausted failed-login budget answers HTTP 429 -------------------------------------
#
# allauth refuses an attempt over the `login_failed` (or `request_login_code`) budget with a
# form error and HTTP 200; clients, proxies and monitors recognise a limit by 429. These views
# keep allauth's page (its French message, the form with what was typed) and only change the
# status. The budget is keyed on the address typed, so the answer does not depend on whether
# an account exists. Mounted over allauth's URLs in `website/urls.py`.

RATE_LIMIT_ERRORS = frozenset({"too_many_login_attempts"})


def _budget_spent(form) -> bool:
    errors = form.errors.as_data() if form is not None else {}
    return any(
        error.code in RATE_LIMIT_ERRORS
        for field_errors in errors.values()
        for error in field_errors
    )


class RateLimitStatusMixin:
    def form_invalid(self, form):
        response = super().form_invalid(form)
        if _budget_spent(form):
            response.status_code = 429
        return response


class LoginView(RateLimitStatusMixin, account_views.LoginView):
    pass


class ReauthenticateView(RateLimitStatusMixin, account_views.ReauthenticateView):
    pass


class RequestReauthenticationCodeView(
    RateLimitStatusMixin, account_views.RequestReauthenticationCodeView
):
    pass


class MfaAuthenticateView(RateLimitStatusMixin, mfa_views.AuthenticateView):
    pass


class MfaReauthenticateView(RateLimitStatusMixin, mfa_views.ReauthenticateView):
    pass


# --- A password login is a recent authentication ----------------------------------------------
#
# Sensitive pages (turning TOTP on, changing what members see of one's entry…) ask for the
# password again unless the person re-authenticated within `ACCOUNT_REAUTHENTICATION_TIMEOUT`.
# allauth 65 counts only records marked `reauthenticated`, never the login itself, so an editor
# who must turn on TOTP (`MFA_REQUIRED_FOR_STAFF`) typed the password, was sent to the
# activation page and was asked for it again. A password typed at login is the same proof: the
# login is recorded as a re-authentication too. A login without password (ProConnect, a
# password reset) gives nothing more; after the timeout the confirmation is asked again.
# Uses allauth's internal record functions (pinned version; tests/security/test_staff_sign_in.py).


def count_password_login_as_recent_authentication(sender, request, user, **kwargs):
    records = get_authentication_records(request, user)
    if any(record.get("method") == "password" for record in records):
        record_authentication(request, user, method="password", reauthenticated=True)


class ConfirmEmailView(account_views.ConfirmEmailView):
    """allauth logs out a member who opens the confirmation link of another account. On a
    GET, an image tag carrying someone's own key would log out whoever displays it: only the
    confirming POST (CSRF-protected) logs the other account out. Mounted over allauth's URL."""

    def logout_other_user(self, confirmation) -> None:
        if self.request.method == "POST":
            super().logout_other_user(confirmation)

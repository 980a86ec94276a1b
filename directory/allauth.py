"""Project policy for allauth: new accounts wait for approval unless they were invited."""

from allauth.account.adapter import DefaultAccountAdapter

from directory import services


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            services.account_accept_invitation(user=user)
        return user

    def get_login_redirect_url(self, request):
        if request.user.is_pending:
            return "/compte/en-attente/"
        return super().get_login_redirect_url(request)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "website.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        from allauth.account.signals import password_changed, password_reset

        from website.api.services import revoke_tokens_on_password_change

        for signal, name in ((password_changed, "changed"), (password_reset, "reset")):
            signal.connect(
                revoke_tokens_on_password_change,
                dispatch_uid=f"api_revoke_tokens_on_password_{name}",
            )

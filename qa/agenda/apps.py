from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    name = "qa.agenda"
    label = "agenda"
    verbose_name = _("Ordre du jour")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from directory import extensions
        from qa.agenda import exports

        extensions.register_account_export("agenda", exports.account_export)

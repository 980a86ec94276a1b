from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    name = "qa.agenda"
    label = "agenda"
    verbose_name = _("Ordre du jour")
    default_auto_field = "django.db.models.BigAutoField"

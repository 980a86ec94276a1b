from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SteeringConfig(AppConfig):
    """The coordinator's dashboard (/pilotage/): the top layer, above notifications."""

    name = "website.steering"
    label = "steering"
    verbose_name = _("Pilotage")

    def ready(self):
        # Registers the « question_escalated » event handler with the notifications' registry.
        from website.steering import events  # noqa: F401

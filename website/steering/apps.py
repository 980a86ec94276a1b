from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SteeringConfig(AppConfig):
    """The coordinator's dashboard (/pilotage/): the top layer, above notifications."""

    name = "website.steering"
    label = "steering"
    verbose_name = _("Pilotage")

    def ready(self):
        # Registers the « question_escalated » event handler with the notifications' registry.
        # The dashboard's heavy figures are refreshed with the shared needs' (same task).
        from website.needs.refresh import also_refresh
        from website.steering import events  # noqa: F401
        from website.steering.aggregates import tables

        also_refresh(tables)

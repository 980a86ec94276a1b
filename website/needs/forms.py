"""The filter form of the shared needs: CC, topic, period (GET, every value checked)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.models import Structure, StructureKind
from taxonomy.models import Topic
from website.needs.selectors import NeedFilters

PERIODS = [
    ("", _("Toute la période")),
    ("3", _("Les 3 derniers mois")),
    ("6", _("Les 6 derniers mois")),
    ("12", _("Les 12 derniers mois")),
    ("24", _("Les 24 derniers mois")),
]


class NeedFilterForm(forms.Form):
    cc = forms.ModelChoiceField(
        label=_("Communauté de communes"),
        queryset=Structure.objects.filter(kind=StructureKind.CC).order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes"),
        error_messages={
            "invalid_choice": _(
                "Cette communauté de communes n'existe pas : choisissez-en une dans la liste."
            )
        },
    )
    sujet = forms.ModelChoiceField(
        label=_("Sujet"),
        queryset=Topic.objects.active().order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("Tous"),
        error_messages={
            "invalid_choice": _("Ce sujet n'existe pas : choisissez-en un dans la liste.")
        },
    )
    periode = forms.ChoiceField(
        label=_("Période"),
        choices=PERIODS,
        required=False,
        error_messages={
            "invalid_choice": _(
                "Cette période n'est pas proposée : choisissez-en une dans la liste."
            )
        },
    )

    def filters(self) -> NeedFilters:
        data = self.cleaned_data
        return NeedFilters(
            cc=data.get("cc"),
            topic=data.get("sujet"),
            months=int(data["periode"]) if data.get("periode") else None,
        )

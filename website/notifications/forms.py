from django import forms
from django.utils.translation import gettext_lazy as _

from website.notifications.kinds import Frequency, email_kinds


class PreferencesForm(forms.Form):
    """One radio group per kind of notification: how often an e-mail is wanted."""

    def __init__(
        self, *args, initial_frequencies: dict[str, str], moderator: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.kinds = email_kinds(moderator=moderator)
        for kind in self.kinds:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Frequency.choices,
                initial=initial_frequencies[kind.value],
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choisissez une fréquence pour « %(kind)s ».")
                    % {"kind": kind.label},
                    "invalid_choice": _(
                        "« %(value)s » n'est pas une fréquence possible : choisissez tout de "
                        "suite, résumé quotidien, résumé hebdomadaire ou jamais."
                    ),
                },
            )

    def frequencies(self) -> dict[str, str]:
        return {kind.value: self.cleaned_data[kind.value] for kind in self.kinds}

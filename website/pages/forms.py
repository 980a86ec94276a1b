from django import forms
from django.utils.translation import gettext_lazy as _

from taxonomy.forms import TopicFilterField


class RecheckForm(forms.Form):
    note = forms.CharField(
        label=_("Note de vérification (facultative)"),
        help_text=_("Par exemple : la réponse reste exacte, l'article cité n'a pas changé."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RegulatoryFilterForm(forms.Form):
    """Filters of `/veille/`; an invalid value is ignored rather than an error."""

    sujet = TopicFilterField()
    annee = forms.TypedChoiceField(label=_("Année"), coerce=int, required=False)
    type = forms.ChoiceField(label=_("Type de texte"), required=False)

    def __init__(self, *args, years=(), kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee"].choices = [("", _("Toutes les années"))] + [
            (year, year) for year in years
        ]
        self.fields["type"].choices = [("", _("Tous les types")), *kinds]

from django import forms
from django.utils.translation import gettext_lazy as _


class RecheckForm(forms.Form):
    note = forms.CharField(
        label=_("Note de vérification (facultative)"),
        help_text=_("Par exemple : la réponse reste exacte, l'article cité n'a pas changé."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

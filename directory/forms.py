from django import forms
from django.utils.translation import gettext_lazy as _


class SignupProfileForm(forms.Form):
    """Extra sign-up fields: who you are, so a moderator can approve and link your entry."""

    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    last_name = forms.CharField(label=_("Nom"), max_length=100)
    signup_structure = forms.CharField(
        label=_("Structure"),
        max_length=200,
        help_text=_("Par exemple : Mairie de Castellane, CC Moyen Verdon."),
    )
    signup_function = forms.CharField(
        label=_("Fonction"), max_length=200, help_text=_("Par exemple : secrétaire de mairie.")
    )

    def signup(self, request, user):
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.signup_structure = self.cleaned_data["signup_structure"]
        user.signup_function = self.cleaned_data["signup_function"]
        user.save(update_fields=["first_name", "last_name", "signup_structure", "signup_function"])

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from directory.roles import is_editor
from qa.forms import CleanCharField
from website.api.models import EDITOR_SCOPES, MEMBER_SCOPES, Scope


class TokenForm(forms.Form):
    name = CleanCharField(
        label=_("Nom du jeton"),
        max_length=100,
        help_text=_("Pour vous y retrouver : « Intranet de la CC », « script d'import »…"),
        error_messages={
            "required": _("Donnez un nom à ce jeton."),
            "max_length": _("Le nom ne doit pas dépasser %(limit_value)d caractères."),
        },
    )
    scopes = forms.MultipleChoiceField(
        label=_("Droits"),
        choices=[(scope.value, scope.label) for scope in MEMBER_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ],
        help_text=_("Donnez seulement ce dont le script a besoin."),
        error_messages={
            "required": _("Choisissez au moins un droit."),
            "invalid_choice": _("Ce droit n'existe pas."),
        },
    )
    days = forms.IntegerField(
        label=_("Durée de validité (jours)"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
        help_text=_("De 1 à %(max)d jours ; %(default)d jours par défaut.")
        % {"max": settings.API_TOKEN_MAX_DAYS, "default": settings.API_TOKEN_DEFAULT_DAYS},
        error_messages={
            "required": _("Indiquez une durée de validité."),
            "invalid": _("Indiquez un nombre de jours."),
            "min_value": _("La durée doit être d'au moins %(limit_value)s jour."),
            "max_value": _("La durée ne doit pas dépasser %(limit_value)s jours (un an)."),
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # A scope is offered only to whom it opens something: `write:veille` to editors.
        editor = is_editor(user)
        self.fields["scopes"].choices = [
            (scope.value, scope.label)
            for scope in MEMBER_SCOPES
            if editor or scope not in EDITOR_SCOPES
        ]

from django import forms
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.models import Structure
from qa.agenda.models import (
    COMMENT_MAX_LENGTH,
    MAX_TOPICS,
    RATIONALE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    TITLE_MIN_LENGTH,
    Meeting,
    MeetingKind,
)
from qa.forms import CleanCharField
from taxonomy.models import Topic

WEB_URL = URLValidator(
    schemes=["http", "https"], message=_("Saisissez une adresse web (https://…).")
)


class WebURLField(forms.URLField):
    """An http(s) address only: no `javascript:`, `data:` or `ftp:` link reaches a page."""

    default_validators = [WEB_URL]
    default_error_messages = {"invalid": _("Saisissez une adresse web (https://…).")}


class ProposalForm(forms.Form):
    title = CleanCharField(
        label=_("Sujet proposé"),
        min_length=TITLE_MIN_LENGTH,
        max_length=TITLE_MAX_LENGTH,
        help_text=_("Entre 10 et 150 caractères, par exemple : « Mutualiser l'instruction ADS »."),
        error_messages={"required": _("Indiquez le sujet que vous proposez.")},
    )
    rationale = CleanCharField(
        label=_("Pourquoi c'est important"),
        max_length=RATIONALE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Ce que vous constatez, qui est concerné, ce que vous attendez de la réunion."),
        error_messages={"required": _("Expliquez en quelques lignes pourquoi ce sujet compte.")},
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Thèmes"),
        queryset=Topic.objects.active(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("De 1 à 5 thèmes."),
        error_messages={
            "required": _("Choisissez au moins un thème."),
            "invalid_choice": _("Ce thème n'existe pas."),
            "invalid_pk_value": _("Ce thème n'existe pas."),
        },
    )

    def clean_topics(self):
        topics = self.cleaned_data["topics"]
        if len(topics) > MAX_TOPICS:
            raise forms.ValidationError(
                _("Choisissez au plus %(max)d thèmes (vous en avez coché %(count)d)."),
                params={"max": MAX_TOPICS, "count": len(topics)},
            )
        return topics


class MeetingForm(forms.Form):
    title = CleanCharField(
        label=_("Intitulé"),
        max_length=TITLE_MAX_LENGTH,
        help_text=_("Par exemple : « Temps d'échange de printemps des élus du Moyen Verdon »."),
        error_messages={"required": _("Donnez un intitulé à la réunion.")},
    )
    structure = forms.ModelChoiceField(
        label=_("Structure"),
        queryset=Structure.objects.order_by("name"),
        help_text=_("La structure dont c'est le conseil, le bureau ou la commission."),
        error_messages={
            "required": _("Choisissez la structure qui réunit ce conseil ou ce comité."),
            "invalid_choice": _("Cette structure n'existe pas."),
        },
    )
    kind = forms.ChoiceField(label=_("Type de réunion"), choices=MeetingKind.choices)
    starts_at = forms.DateTimeField(
        label=_("Date et heure"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": _("Indiquez la date et l'heure."),
            "invalid": _("Saisissez une date et une heure valides."),
        },
    )
    place = CleanCharField(label=_("Lieu"), max_length=200, required=False)
    video_url = WebURLField(
        label=_("Lien de visioconférence"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Pour participer à distance."),
    )
    description = CleanCharField(
        label=_("Description"),
        max_length=RATIONALE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        if starts_at < timezone.now():
            raise forms.ValidationError(_("La date de la réunion doit être à venir."))
        return starts_at

    def clean(self):
        cleaned = super().clean()
        if (
            not cleaned.get("place")
            and not cleaned.get("video_url")
            and not self.has_error("video_url")
        ):
            self.add_error("place", _("Indiquez un lieu ou un lien de visioconférence."))
        return cleaned


class ScheduleForm(forms.Form):
    meeting = forms.ModelChoiceField(
        label=_("Réunion"),
        queryset=Meeting.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Choisissez une réunion."),
            "invalid_choice": _("Cette réunion n'est plus à venir."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.upcoming()


MINUTES_HELP = _(
    "Adresse d'un document ou d'une page du site, ou d'un compte rendu publié ailleurs (https://…)."
)


class DiscussedForm(forms.Form):
    minutes_url = WebURLField(
        label=_("Lien vers le compte rendu (facultatif)"),
        max_length=500,
        assume_scheme="https",
        required=False,
        help_text=_(
            "Vous pourrez aussi le publier plus tard. Adresse d'un document ou d'une page du "
            "site, ou d'un compte rendu publié ailleurs (https://…)."
        ),
    )


class MinutesForm(forms.Form):
    minutes_url = WebURLField(
        label=_("Lien vers le compte rendu"),
        max_length=500,
        assume_scheme="https",
        help_text=MINUTES_HELP,
        error_messages={"required": _("Indiquez le lien vers le compte rendu.")},
    )


class MeetingCancelForm(forms.Form):
    reason = CleanCharField(
        label=_("Motif de l'annulation (facultatif)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Les sujets inscrits reviennent parmi les propositions ouvertes."),
    )


class ProposalCommentForm(forms.Form):
    body = CleanCharField(
        label=_("Votre commentaire"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Écrivez votre commentaire.")},
    )

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.models import Person, Position, PositionKind, Structure, StructureKind
from taxonomy.forms import TopicFilterField
from taxonomy.models import Topic
from taxonomy.widgets import PlainSelect


class VersionField(forms.IntegerField):
    """The entry's version the form was shown at (hidden): a save from a stale form is
    refused (`services.EntryChanged`) instead of overwriting the other person's edit."""

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=0, widget=forms.HiddenInput, **kwargs)


class VersionedEntryForm(forms.ModelForm):
    """An entry's form that carries the version it shows (`VersionField`)."""

    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    def with_version(self, version: int):
        """The same typed data, now against `version`: after a refused stale save, the next
        save is a deliberate overwrite by someone who has seen the current values."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(version)
        return type(self)(data, instance=self.instance, prefix=self.prefix)


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


class DirectorySearchForm(forms.Form):
    """The directory filters; every field optional, GET only."""

    q = forms.CharField(
        label=_("Nom ou sujet"),
        help_text=_("Un nom, ou ce dont la personne s'occupe : « marchés publics », « ATSEM »…"),
        required=False,
        max_length=100,
    )
    sujet = TopicFilterField()
    cc = forms.ModelChoiceField(
        label=_("Communauté de communes"),
        queryset=Structure.objects.filter(kind=StructureKind.CC),
        to_field_name="slug",
        required=False,
        empty_label=_("Tout le Pays"),
        widget=PlainSelect,
    )
    structure = forms.ModelChoiceField(
        label=_("Structure"),
        queryset=Structure.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes les structures"),
        widget=PlainSelect,  # every structure: Django's option templates grew with them
    )
    fonction = forms.CharField(label=_("Fonction"), required=False, max_length=100)
    type = forms.ChoiceField(
        label=_("Élu ou agent"),
        choices=[("", _("Élus et agents")), *PositionKind.choices],
        required=False,
    )
    pres_de_moi = forms.BooleanField(
        label=_("Près de chez moi d'abord (ma communauté de communes, puis le Pays)"),
        required=False,
    )


class ProfileForm(VersionedEntryForm):
    """What a member edits on their own directory entry."""

    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "bio",
            "email",
            "email_visibility",
            "phone",
            "phone_visibility",
            "is_listed",
        ]
        widgets = {
            "email_visibility": forms.RadioSelect,
            "phone_visibility": forms.RadioSelect,
            "bio": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "bio": _("Quelques lignes : vos missions, ce sur quoi on peut vous solliciter."),
        }


class TopicsForm(forms.Form):
    interests = forms.ModelMultipleChoiceField(
        label=_("Sujets qui m'intéressent"),
        queryset=Topic.objects.active(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    expertise = forms.ModelMultipleChoiceField(
        label=_("Sujets sur lesquels je peux répondre en expert"),
        help_text=_("Une demande d'expertise est confirmée par un modérateur."),
        queryset=Topic.objects.active(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class PositionForm(forms.ModelForm):
    class Meta:
        model = Position
        fields = ["structure", "function", "kind", "start_date", "end_date"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La fin ne peut pas précéder le début."))
        return cleaned


PositionFormSet = forms.inlineformset_factory(
    Person, Position, form=PositionForm, extra=1, can_delete=True, max_num=20
)


class ApprovalForm(forms.Form):
    """At approval, which directory entry the new account gets."""

    NEW = "nouvelle"
    NONE = "aucune"

    fiche = forms.ChoiceField(label=_("Fiche de l'annuaire"), widget=forms.RadioSelect)

    def __init__(self, *args, suggestions=(), **kwargs):
        """`suggestions`: `directory.selectors.EntrySuggestion`s. Each choice says why it is
        proposed; only an entry holding the account's verified e-mail is preselected — a
        name-only match would hand a namesake (or an impostor) the entry's hidden contacts."""
        super().__init__(*args, **kwargs)
        self.suggestions = {str(s.person.pk): s.person for s in suggestions}
        choices = [(str(s.person.pk), self._label(s)) for s in suggestions]
        choices += [(self.NEW, _("Créer une nouvelle fiche")), (self.NONE, _("Pas de fiche"))]
        self.fields["fiche"].choices = choices
        same_email = [str(s.person.pk) for s in suggestions if s.same_email]
        self.fields["fiche"].initial = same_email[0] if same_email else self.NEW

    @staticmethod
    def _label(suggestion):
        person = suggestion.person
        return _("Lier à la fiche existante (%(match)s) : %(person)s%(where)s") % {
            "match": _("même e-mail") if suggestion.same_email else _("même nom seulement"),
            "person": person.full_name,
            "where": "".join(
                f" — {position.function}, {position.structure}"
                for position in person.current_positions[:2]
            ),
        }

    def linked_person(self):
        return self.suggestions.get(self.cleaned_data["fiche"])


class ImportUploadForm(forms.Form):
    fichier = forms.FileField(
        label=_("Liste des participants (CSV ou TSV)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.tsv,.txt,text/csv,text/tab-separated-values,text/plain"}
        ),
        help_text=_(
            "Colonnes « Prénom, Nom », « Structure », « Mail », « Fonction » et, si besoin, "
            "« Téléphone ». UTF-8 ou Windows-1252, 2 Mo au maximum."
        ),
    )


class ImportApplyForm(forms.Form):
    valid_rows_only = forms.BooleanField(
        label=_("Importer seulement les lignes valides (les lignes en erreur sont ignorées)"),
        required=False,
    )


class EraseAccountForm(forms.Form):
    """The password confirms the erasure; an account without one (ProConnect) ticks a box
    instead, and the view has it re-authenticate by an e-mailed code (allauth)."""

    password = forms.CharField(
        label=_("Votre mot de passe, pour confirmer"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("Je confirme vouloir effacer définitivement mon compte"),
        error_messages={"required": _("Cochez la case pour confirmer l'effacement.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.uses_password = user.has_usable_password()
        del self.fields["confirm" if self.uses_password else "password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Mot de passe incorrect."))
        return password


def reason_field(**kwargs) -> forms.CharField:
    """The reason a moderator gives for a change, kept in the entry's history (the services
    clean its text)."""
    kwargs.setdefault("label", _("Motif (conservé dans l'historique de la fiche)"))
    return forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Indiquez le motif : il est conservé dans l'historique.")},
        **kwargs,
    )


class ModeratorEntryForm(VersionedEntryForm):
    """What a moderator corrects on someone's entry, with a reason. The listing and the
    contacts' visibility stay the person's own choice."""

    reason = reason_field()

    class Meta:
        model = Person
        fields = ["first_name", "last_name", "bio", "email", "phone"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}


ModeratorPositionFormSet = forms.inlineformset_factory(
    Person, Position, form=PositionForm, extra=1, can_delete=True, max_num=20
)


class PositionEndForm(forms.Form):
    end_date = forms.DateField(
        label=_("Date de fin"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez la date de fin."),
            "invalid": _("Indiquez une date valide (jj/mm/aaaa)."),
        },
    )
    reason = reason_field()


class PersonMergeForm(forms.Form):
    kept = forms.IntegerField(
        label=_("Numéro de la fiche à conserver"),
        min_value=1,
        help_text=_("Le numéro figure dans l'adresse de la fiche : /annuaire/personnes/<numéro>/."),
        error_messages={"required": _("Indiquez la fiche à conserver.")},
    )
    reason = reason_field()

    def clean_kept(self):
        pk = self.cleaned_data["kept"]
        person = Person.objects.filter(pk=pk).first()
        if person is None:
            raise forms.ValidationError(_("Aucune fiche ne porte ce numéro."))
        return person


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail à inviter"),
        max_length=254,
        error_messages={
            "required": _("Indiquez l'adresse e-mail à inviter."),
            "invalid": _("Saisissez une adresse e-mail valide."),
        },
    )


class ImportedInvitationForm(forms.Form):
    """Imported entries with an e-mail, without account and never invited: tick, invite."""

    people = forms.ModelMultipleChoiceField(
        label=_("Personnes importées à inviter"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins une personne à inviter.")},
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = queryset
        self.fields["people"].label_from_instance = lambda p: f"{p.full_name} — {p.email}"

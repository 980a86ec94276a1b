"""Forms: validation and French error messages; they never write (services do)."""

import uuid

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from directory.models import Person, Structure
from directory.selectors import person_choices
from directory.text import clean_text
from qa import attachments, selectors, services
from qa.models import (
    ANSWER_MIN_LENGTH,
    BODY_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    MAX_TOPICS,
    TITLE_MAX_LENGTH,
    TITLE_MIN_LENGTH,
    CloseReason,
    FlagReason,
    QuestionKind,
)
from taxonomy.models import Topic

PERSON_QUERY_MAX_LENGTH = 100
MARKDOWN_HELP = _(
    "Mise en forme Markdown : **gras**, *italique*, listes avec « - », liens [texte](https://…), "
    "tableaux. Le HTML n'est pas interprété. « @ » suivi d'un nom mentionne une personne de "
    "l'annuaire."
)


def mention_attrs() -> dict:
    """The attributes that give a textarea the @mention autocomplete (static/js/mentions.js)."""
    return {
        "data-mention-url": reverse_lazy("directory:mention_search"),
        "data-mention-label": _("Personnes de l'annuaire à mentionner"),
        "data-mention-found": _(
            "Personnes trouvées : %(count)s. Flèches haut et bas pour choisir, Entrée ou "
            "Tab pour insérer, Échap pour fermer."
        ),
        "data-mention-none": _("Aucune personne de l'annuaire ne correspond."),
        "data-mention-inserted": _("Mention de %(name)s insérée."),
    }


def upload_attrs(limit: int, first_number: int = 1) -> dict:
    """The attributes that give a file input drag and drop, the list of chosen files and the
    progress of the upload (static/js/attachments.js); its words, translated here."""
    return {
        "data-upload": "",
        "data-first-number": first_number,  # of the first file chosen (an edit adds to some)
        "data-max-files": limit,
        "data-max-size": settings.QA_ATTACHMENT_MAX_SIZE,
        "data-max-size-label": attachments.megabytes(settings.QA_ATTACHMENT_MAX_SIZE),
        "data-upload-drop": _("Ou glissez-déposez vos fichiers ici."),
        "data-upload-list": _("Fichiers choisis"),
        "data-upload-remove": _("Retirer"),
        "data-upload-removed": _("« %(name)s » est retiré de la liste."),
        "data-upload-added": _("Fichiers choisis : %(count)s."),
        "data-upload-insert": _("Insérer dans le texte"),
        "data-upload-inserted": _("Référence à « %(name)s » insérée dans le texte."),
        "data-upload-progress": _("Envoi des fichiers : %(percent)s %%"),
        "data-upload-saving": _("Fichiers envoyés, vérification en cours…"),
        "data-upload-failed": _(
            "L'envoi a été interrompu (connexion perdue ?). Rien n'a été publié et votre texte "
            "est conservé : envoyez à nouveau."
        ),
        "data-upload-refused": _(
            "Rien n'a été publié. Votre texte et vos fichiers sont conservés :"
        ),
        "data-upload-too-big": _("« %(name)s » dépasse %(size)s : retirez-le de la liste."),
        "data-upload-too-many": _(
            "Vous pouvez joindre au plus %(count)s fichiers : retirez-en de la liste."
        ),
    }


def editor(*, rows: int) -> forms.Textarea:
    """A post editor: a textarea with the @mention autocomplete."""
    return forms.Textarea(attrs={"rows": rows, **mention_attrs()})


class CleanCharField(forms.CharField):
    """The one text field of Q&A and the agenda: `directory.text.clean_text` (no control
    characters, no bidi overrides), then stripped, before the length is validated."""

    def to_python(self, value):
        value = super().to_python(value)
        return clean_text(value).strip() if value else value


class SubmissionTokenMixin(forms.Form):
    """A one-time token: a double click or a resent form creates the post only once."""

    submission_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4().hex)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one plain `<input type="file" multiple>` (works without JavaScript)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def attachments_help(count: int) -> str:
    return _(
        "Jusqu'à %(count)d fichiers de %(size)s chacun : PDF, ODT, ODS, ODP, DOCX, XLSX, "
        "PPTX, TXT, CSV, JPEG, PNG, WebP, HEIC, ou un ZIP de ces fichiers. Les photos sont "
        "réenregistrées sans leurs métadonnées (position GPS comprise). Pour placer un "
        "fichier dans le texte, écrivez ![légende](piece-jointe:1) pour le premier fichier "
        "choisi, piece-jointe:2 pour le deuxième, etc."
    ) % {"count": count, "size": attachments.megabytes(settings.QA_ATTACHMENT_MAX_SIZE)}


def _over_quota(uploader, size: int) -> list[forms.ValidationError]:
    storage = selectors.attachment_storage(uploader)
    if storage.used + size <= storage.quota:
        return []
    return [
        forms.ValidationError(
            _(
                "Ces fichiers (%(size)s) dépassent l'espace qu'il vous reste (%(remaining)s sur "
                "%(quota)s) : retirez-en, ou demandez à un modérateur de retirer d'anciennes "
                "pièces jointes."
            )
            % {
                "size": filesizeformat(size),
                "remaining": filesizeformat(storage.remaining),
                "quota": filesizeformat(storage.quota),
            },
            code="over_quota",
        )
    ]


def _remove_field(removable) -> forms.MultipleChoiceField:
    """The post's files as checkboxes, for an edit to remove some of them."""
    return forms.MultipleChoiceField(
        label=_("Retirer des fichiers (facultatif)"),
        help_text=_(
            "Cochez les fichiers à retirer du message. Les versions précédentes les gardent "
            "dans l'historique."
        ),
        choices=[
            (str(attachment.pk), f"{attachment.original_name} (piece-jointe:{attachment.number})")
            for attachment in removable
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Ce fichier n'est pas joint à ce message.")},
    )


class AttachmentsMixin(forms.Form):
    """The attachments of a new post: each checked by its content (`qa.attachments`); the
    cleaned value is the list of `CheckedFile` the service stores. Bind with `request.FILES`."""

    attachments = MultipleFileField(
        label=_("Pièces jointes (facultatif)"),
        required=False,
    )

    def __init__(
        self,
        *args,
        uploader=None,
        attached: int = 0,
        first_number: int = 1,
        removable=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.uploader = uploader
        self.attached = attached  # files the post already has (an edit adds to them)
        self.removable = {str(attachment.pk): attachment for attachment in removable}
        if self.removable:  # an edit: the post's files, to remove; cleaned before new files
            fields = list(self.fields.items())
            at = next(i for i, (name, _field) in enumerate(fields) if name == "attachments")
            fields.insert(at, ("remove", _remove_field(removable)))
            self.fields = dict(fields)
        if not self.attachments_limit():  # an edit of a post that has every file it may have
            del self.fields["attachments"]
            return
        self.fields["attachments"].help_text = attachments_help(self.attachments_limit())
        self.fields["attachments"].widget.attrs.update(
            upload_attrs(self.attachments_limit(), first_number)
        )

    def attachments_limit(self) -> int:
        return max(settings.QA_ATTACHMENTS_PER_POST - self.attached, 0)

    def clean_remove(self) -> list:
        return [self.removable[pk] for pk in self.cleaned_data.get("remove") or []]

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        freed = len(self.cleaned_data.get("remove") or [])  # files this edit removes
        attachments.check_count(files, self.attachments_limit() + freed)
        checked, errors = [], []
        pixels = attachments.PixelBudget()  # the decoding work of the whole post
        for upload in files:
            try:
                checked.append(attachments.check_upload(upload, pixels=pixels))
            except forms.ValidationError as error:
                errors.append(error)
        if checked and not errors and self.uploader is not None:
            errors.extend(_over_quota(self.uploader, sum(file.size for file in checked)))
        if errors:
            errors.append(
                forms.ValidationError(
                    _("Votre texte est conservé : choisissez à nouveau les fichiers à joindre.")
                )
            )
            raise forms.ValidationError(errors)
        return checked


class QuestionForm(AttachmentsMixin, SubmissionTokenMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=QuestionKind.choices,
        widget=forms.RadioSelect,
        initial=QuestionKind.QUESTION,
        help_text=_("Une question attend des réponses ; une discussion, des échanges."),
    )
    title = CleanCharField(
        label=_("Titre"),
        min_length=TITLE_MIN_LENGTH,
        max_length=TITLE_MAX_LENGTH,
        help_text=_("Entre 10 et 150 caractères : la question en une phrase."),
        error_messages={
            "required": _("Indiquez un titre."),
            "min_length": _("Le titre doit faire au moins %(limit_value)d caractères."),
            "max_length": _("Le titre ne doit pas dépasser %(limit_value)d caractères."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = CleanCharField(
        label=_("Détails"),
        max_length=BODY_MAX_LENGTH,
        min_length=20,
        help_text=MARKDOWN_HELP,
        error_messages={
            "required": _("Décrivez votre question."),
            "min_length": _("Le texte doit faire au moins %(limit_value)d caractères."),
            "max_length": _("Le texte ne doit pas dépasser %(limit_value)d caractères."),
        },
        widget=editor(rows=10),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Sujets"),
        queryset=Topic.objects.active(),
        help_text=_("De 1 à 5 sujets."),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choisissez au moins un sujet."),
            "invalid_choice": _("Ce sujet n'existe pas."),
            "invalid_pk_value": _("Ce sujet n'existe pas."),
        },
    )
    # Chosen among the results of `person_query`: `qa/_person_chooser.html` renders radio
    # buttons for those results only (the directory holds thousands of people, so never a
    # widget listing them all; hence the hidden input should the field be rendered as is).
    addressed_to_person = forms.ModelChoiceField(
        label=_("Adressée à une personne (facultatif)"),
        queryset=Person.objects.listed(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Cette personne n'est pas dans l'annuaire.")},
    )
    person_query = CleanCharField(
        label=_("Rechercher une personne dans l'annuaire"),
        help_text=_(
            "Une partie de son nom, de sa fonction ou de sa structure (accents facultatifs), "
            "puis choisissez-la dans la liste."
        ),
        max_length=PERSON_QUERY_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        error_messages={
            "max_length": _("La recherche ne doit pas dépasser %(limit_value)d caractères."),
        },
    )
    addressed_to_structure = forms.ModelChoiceField(
        label=_("Adressée à une structure (facultatif)"),
        queryset=Structure.objects.order_by("name"),
        required=False,
        error_messages={"invalid_choice": _("Cette structure n'est pas dans l'annuaire.")},
    )

    def clean_topics(self):
        topics = self.cleaned_data["topics"]
        if len(topics) > MAX_TOPICS:
            raise forms.ValidationError(
                _("Choisissez au plus %(max)d sujets."), params={"max": MAX_TOPICS}
            )
        return topics

    def clean(self):
        """A search typed but no person chosen: its only match, else a clear error."""
        data = super().clean()
        query = data.get("person_query")
        if query and not data.get("addressed_to_person") and not self.has_error("person_query"):
            matches, _more = person_choices(query, limit=2)
            if len(matches) == 1:
                data["addressed_to_person"] = matches[0]
            elif not matches:
                self.add_error(
                    "person_query",
                    _("Aucune personne de l'annuaire ne correspond à « %(query)s ».")
                    % {"query": query},
                )
            else:
                self.add_error(
                    "person_query",
                    _(
                        "Plusieurs personnes correspondent à « %(query)s » : choisissez-en une "
                        "dans la liste, ou videz le champ de recherche."
                    )
                    % {"query": query},
                )
        return data


class QuestionEditForm(AttachmentsMixin, forms.Form):
    title = QuestionForm.base_fields["title"]
    body = QuestionForm.base_fields["body"]
    topics = QuestionForm.base_fields["topics"]
    summary = CleanCharField(
        label=_("Résumé de la modification (facultatif)"), max_length=200, required=False
    )
    clean_topics = QuestionForm.clean_topics


class AnswerForm(AttachmentsMixin, SubmissionTokenMixin, forms.Form):
    body = CleanCharField(
        label=_("Votre réponse"),
        min_length=ANSWER_MIN_LENGTH,
        max_length=BODY_MAX_LENGTH,
        help_text=MARKDOWN_HELP,
        error_messages={
            "required": _("Écrivez votre réponse."),
            "min_length": _("La réponse doit faire au moins %(limit_value)d caractères."),
            "max_length": _("La réponse ne doit pas dépasser %(limit_value)d caractères."),
        },
        widget=editor(rows=8),
    )


DRAFT_TOO_LONG = _(
    "Le brouillon n'est pas enregistré : le texte ne doit pas dépasser %(limit_value)d "
    "caractères. Raccourcissez-le ; ce que vous avez tapé reste dans le formulaire."
)


class QuestionDraftForm(forms.Form):
    """What « Enregistrer le brouillon » keeps of the ask form: nothing is required (an
    unfinished question is the point), lengths are bounded as on publish. Not the
    attachments, nor the person or structure it is addressed to."""

    kind = forms.ChoiceField(choices=QuestionKind.choices, required=False)
    title = CleanCharField(
        max_length=TITLE_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": _("Le titre ne doit pas dépasser %(limit_value)d caractères."),
        },
    )
    body = CleanCharField(
        max_length=BODY_MAX_LENGTH,
        required=False,
        error_messages={"max_length": DRAFT_TOO_LONG},
    )
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.active(),
        required=False,
        error_messages={
            "invalid_choice": _("Ce sujet n'existe pas."),
            "invalid_pk_value": _("Ce sujet n'existe pas."),
        },
    )

    def clean_kind(self):
        return self.cleaned_data["kind"] or QuestionKind.QUESTION

    def clean_topics(self):
        return list(self.cleaned_data["topics"])[:MAX_TOPICS]


class AnswerDraftForm(forms.Form):
    body = QuestionDraftForm.base_fields["body"]


class PostEditForm(AttachmentsMixin, forms.Form):
    body = CleanCharField(
        label=_("Texte"),
        min_length=ANSWER_MIN_LENGTH,
        max_length=BODY_MAX_LENGTH,
        help_text=MARKDOWN_HELP,
        error_messages={
            "required": _("Le texte ne peut pas être vide."),
            "max_length": _("Le texte ne doit pas dépasser %(limit_value)d caractères."),
        },
        widget=editor(rows=10),
    )
    summary = QuestionEditForm.base_fields["summary"]


class CommentForm(AttachmentsMixin, SubmissionTokenMixin, forms.Form):
    """A comment: short text, and fewer files than a question or an answer
    (`QA_ATTACHMENTS_PER_COMMENT`), under the same checks."""

    body = CleanCharField(
        label=_("Commentaire"),
        min_length=2,
        max_length=COMMENT_MAX_LENGTH,
        help_text=_(
            "600 caractères au plus ; **gras**, *italique*, `code`, liens et « @ » suivi d'un "
            "nom pour mentionner une personne de l'annuaire."
        ),
        error_messages={
            "required": _("Le commentaire est vide."),
            "min_length": _("Le commentaire doit faire au moins %(limit_value)d caractères."),
            "max_length": _("Le commentaire ne doit pas dépasser %(limit_value)d caractères."),
        },
        widget=editor(rows=2),
    )

    def attachments_limit(self) -> int:
        return max(settings.QA_ATTACHMENTS_PER_COMMENT - self.attached, 0)


class CommentEditForm(AttachmentsMixin, forms.Form):
    body = CommentForm.base_fields["body"]
    summary = QuestionEditForm.base_fields["summary"]

    def attachments_limit(self) -> int:
        return max(settings.QA_ATTACHMENTS_PER_COMMENT - self.attached, 0)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Motif"),
        choices=FlagReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez un motif.")},
    )
    text = CleanCharField(
        label=_("Précisions (facultatif)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == FlagReason.OTHER and not data.get("text"):
            self.add_error("text", _("Précisez le motif du signalement."))
        return data


class ReasonForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "moderation-%s")
        super().__init__(*args, **kwargs)

    reason = CleanCharField(
        label=_("Motif (visible dans le journal de modération)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AttachmentRemoveForm(forms.Form):
    reason = CleanCharField(
        label=_("Motif du retrait (visible dans le journal de modération)"),
        max_length=900,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Indiquez le motif du retrait."),
            "max_length": _("Le motif ne doit pas dépasser %(limit_value)d caractères."),
        },
    )


class CloseForm(forms.Form):
    # Several moderation forms share one page: distinct ids keep labels unambiguous.
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "close-%s")
        super().__init__(*args, **kwargs)

    reason = forms.ChoiceField(
        label=_("Motif de fermeture"),
        choices=[c for c in CloseReason.choices if c[0] != CloseReason.DUPLICATE],
        error_messages={"required": _("Choisissez un motif.")},
    )
    note = CleanCharField(label=_("Précision (facultatif)"), max_length=500, required=False)


DUPLICATE_LOOP = _("Ces deux questions se désignent déjà l'une l'autre.")


class DuplicateForm(forms.Form):
    canonical = forms.IntegerField(
        label=_("Numéro de la question d'origine"),
        min_value=1,
        help_text=_("Le numéro figure dans l'adresse : /questions/<numéro>/…"),
        error_messages={"required": _("Indiquez le numéro de la question d'origine.")},
    )
    reason = CleanCharField(label=_("Motif (facultatif)"), max_length=500, required=False)

    def __init__(self, *args, question=None, **kwargs):
        kwargs.setdefault("auto_id", "duplicate-%s")
        super().__init__(*args, **kwargs)
        self.question = question

    def clean_canonical(self):
        from qa.models import Question

        pk = self.cleaned_data["canonical"]
        if self.question is not None and pk == self.question.pk:
            raise forms.ValidationError(_("Une question ne peut pas être son propre doublon."))
        canonical = Question.objects.alive().filter(pk=pk).first()
        if canonical is None:
            raise forms.ValidationError(_("Aucune question visible ne porte ce numéro."))
        if self.question is not None:
            try:
                return services.duplicate_target(self.question, canonical)
            except services.DuplicateLoopError:
                raise forms.ValidationError(DUPLICATE_LOOP) from None
        return canonical

from django import forms
from django.utils.translation import gettext_lazy as _

from taxonomy.models import Topic


class TopicFilterField(forms.ModelChoiceField):
    """The « Sujet » filter of the list pages (`?sujet=<slug>`): active topics, optional."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Sujet"))
        kwargs.setdefault("empty_label", _("Tous les sujets"))
        super().__init__(
            queryset=Topic.objects.active(), to_field_name="slug", required=False, **kwargs
        )

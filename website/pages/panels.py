"""Admin pieces for the regulatory watch: a question chooser and the suggestions panel."""

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.panels import Panel
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from website.pages.suggestions import suggested_questions_for


class QuestionFilterForm(BaseFilterForm):
    """Questions are not in Wagtail's search index: a title filter is enough to find one."""

    q = forms.CharField(label=_("Rechercher dans les titres"), required=False)

    def filter(self, objects):
        query = self.cleaned_data.get("q")
        if query:
            objects = objects.filter(title__icontains=query)
            self.is_searching = True
            self.search_query = query
        return objects


class QuestionChooseMixin:
    filter_form_class = QuestionFilterForm

    def get_object_list(self):
        question_model = apps.get_model("qa", "Question")
        return question_model.objects.alive().order_by("-created_at")

    @property
    def columns(self):
        return [
            *super().columns,
            Column("created_at", label=_("Posée le"), accessor="created_at"),
        ]


class QuestionChooseView(QuestionChooseMixin, ChooseView):
    pass


class QuestionChooseResultsView(QuestionChooseMixin, ChooseResultsView):
    pass


class QuestionChooserViewSet(ChooserViewSet):
    """Lets an editor pick the Q&A threads a regulatory update affects (read-only chooser)."""

    model = "qa.Question"
    icon = "help"
    choose_one_text = _("Choisir une question")
    choose_another_text = _("Choisir une autre question")
    edit_item_text = _("Voir")
    per_page = 20
    choose_view_class = QuestionChooseView
    choose_results_view_class = QuestionChooseResultsView


question_chooser_viewset = QuestionChooserViewSet("question_chooser", url_prefix="questions-choix")
QuestionChooserWidget = question_chooser_viewset.widget_class


class SuggestedQuestionsPanel(Panel):
    """Lists threads the update may affect that the editor has not yet marked as affected."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "pages/admin/suggested_questions_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["suggestions"] = suggested_questions_for(self.instance, user=self.request.user)
            return context

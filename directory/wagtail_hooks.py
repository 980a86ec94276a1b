"""Structures and competences in the Wagtail admin, for moderators.

Moderators keep the list of structures (address, switchboard, website, population, parent)
and who holds which competence here; the permission to do so is given to the *Modérateurs*
group after every `migrate` (`directory/apps.py`). People are edited on the site
(`/annuaire/moi/`) or by import.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from directory.models import Competence, Structure


class StructureViewSet(ModelViewSet):
    model = Structure
    icon = "site"
    menu_label = _("Structures")
    form_fields = ["name", "slug", "kind", "parent", "address", "phone", "website", "population"]
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name"]
    search_backend_name = None
    inspect_view_enabled = False

    def formfield_for_dbfield(self, db_field, **kwargs):
        """A website typed without a scheme gets `https://`, as in Wagtail's page forms
        (`wagtail.admin.forms.models` registers it for them; a viewset's default form does not,
        and Django 6.0 makes it the default)."""
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, **kwargs)


class CompetenceViewSet(ModelViewSet):
    model = Competence
    icon = "tasks"
    menu_label = _("Compétences")
    form_fields = ["structure", "topic", "since", "legal_basis", "contact"]
    list_display = ["topic", "structure", "since", "contact"]
    list_filter = ["topic", "structure__kind"]
    search_fields = ["structure__name", "topic__name"]
    search_backend_name = None


class DirectoryViewSetGroup(ModelViewSetGroup):
    menu_label = _("Annuaire")
    menu_icon = "group"
    menu_order = 800
    items = (StructureViewSet("structures"), CompetenceViewSet("competences"))


@hooks.register("register_admin_viewset")
def register_directory_viewsets():
    return DirectoryViewSetGroup()

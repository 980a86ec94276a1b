"""The synonyms of search in the Wagtail admin (Snippets), for editors; with history."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from website.search.models import Synonym


class SynonymViewSet(SnippetViewSet):
    model = Synonym
    icon = "search"
    menu_label = _("Synonymes de recherche")
    list_display = ["terms", "note"]


register_snippet(SynonymViewSet)

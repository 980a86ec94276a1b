"""Wagtail page types of the site."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link", "hr"]


class HomePage(Page):
    """The site root at `/`: an editable introduction for everyone."""

    introduction = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)
    visitor_text = RichTextField(
        _("présentation pour les visiteurs"),
        features=RICH_TEXT_FEATURES,
        blank=True,
        help_text=_("Montrée aux personnes non connectées, à côté du lien de connexion."),
    )

    content_panels = [*Page.content_panels, FieldPanel("introduction"), FieldPanel("visitor_text")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("page d'accueil")


class ContentPage(Page):
    """A plain page: legal notices, accessibility statement, personal data, about."""

    body = RichTextField(_("contenu"), features=RICH_TEXT_FEATURES, blank=True)
    last_reviewed = models.DateField(_("dernière mise à jour"), null=True, blank=True)

    search_fields = [*Page.search_fields, index.SearchField("body")]
    content_panels = [*Page.content_panels, FieldPanel("body"), FieldPanel("last_reviewed")]

    class Meta:
        verbose_name = _("page de contenu")

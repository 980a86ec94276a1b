"""The PostgreSQL backend's table (unused, but migrated, with the Whoosh backend).

The full-text column, the text search configuration and the GIN indexes exist only on
PostgreSQL: migration 0002 adds them there and does nothing on SQLite.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import RevisionMixin

MAX_SYNONYM_CHARS = 500


class SearchEntry(models.Model):
    """One document of the index (see `website.search.results.SearchDocument`)."""

    uid = models.CharField(_("identifiant"), max_length=64, primary_key=True)
    kind = models.CharField(_("type"), max_length=20, db_index=True)
    title = models.TextField(_("titre"))
    body = models.TextField(_("texte"), blank=True)
    names = models.TextField(_("noms"), blank=True)
    topic_names = models.TextField(_("noms des sujets"), blank=True)
    topics = models.JSONField(_("sujets"), default=list, blank=True)
    structure = models.CharField(_("structure"), max_length=200, blank=True)
    year = models.CharField(_("année"), max_length=4, blank=True)
    date = models.DateTimeField(_("date"), null=True, blank=True)
    acl = models.JSONField(_("visible par"), default=list)
    url = models.CharField(_("adresse"), max_length=500)
    fingerprint = models.CharField(_("empreinte"), max_length=40)
    answered = models.BooleanField(_("réponse acceptée ou validée"), default=False)

    class Meta:
        verbose_name = _("entrée de l'index de recherche")
        verbose_name_plural = _("entrées de l'index de recherche")

    def __str__(self):
        return self.uid


class SearchTerm(models.Model):
    """PostgreSQL backend: one row per lexeme of the index, where typo tolerance looks for
    close words (filled by the backend's writes and rebuild; unused with Whoosh)."""

    term = models.CharField(_("terme"), max_length=100, primary_key=True)

    class Meta:
        verbose_name = _("terme de l'index de recherche")
        verbose_name_plural = _("termes de l'index de recherche")

    def __str__(self):
        return self.term


class Synonym(RevisionMixin, models.Model):
    """Words that mean the same for a search (`CC, communauté de communes, EPCI`).

    A search for any of them also finds the others, with less weight than the typed words.
    Editors maintain the list in the Wagtail admin (snippet, with its history); the first
    list ships as data (`website/search/data/synonyms_fr.txt`, loaded by a migration).
    """

    terms = models.CharField(
        _("termes équivalents"),
        max_length=MAX_SYNONYM_CHARS,
        help_text=_(
            "Sigles, mots ou expressions qui désignent la même chose, séparés par des virgules. "
            "Exemple : CC, communauté de communes, intercommunalité, EPCI"
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    panels = [FieldPanel("terms"), FieldPanel("note")]

    class Meta:
        verbose_name = _("synonyme de recherche")
        verbose_name_plural = _("synonymes de recherche")
        ordering = ["terms"]

    def __str__(self):
        return self.terms

    def clean(self):
        from website.search.synonyms import split_terms, validation_error

        error = validation_error(self.terms)
        if error:
            raise ValidationError({"terms": error})
        self.terms = ", ".join(split_terms(self.terms))

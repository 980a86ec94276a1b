"""The PostgreSQL backend's table (unused, but migrated, with the Whoosh backend).

The full-text column, the text search configuration and the GIN indexes exist only on
PostgreSQL: migration 0002 adds them there and does nothing on SQLite.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import RevisionMixin

from website.search.analysis import french_tokens

MAX_SYNONYM_CHARS = 500
MAX_TERMS_PER_ENTRY = 12
MAX_TERM_CHARS = 80
_SEPARATORS = re.compile(r"[,;\n]")


def split_terms(text: str) -> list[str]:
    """`"CC,  communauté de communes ; EPCI"` → `["CC", "communauté de communes", "EPCI"]`
    (blanks squeezed, repeated terms dropped)."""
    terms, seen = [], set()
    for raw in _SEPARATORS.split(text or ""):
        term = " ".join(raw.split())
        if term and term.lower() not in seen:
            seen.add(term.lower())
            terms.append(term)
    return terms


def validation_error(text: str) -> str:
    """Why an entry cannot be used (a French message for the editor), or ""."""
    if len(text or "") > MAX_SYNONYM_CHARS:
        return gettext("Une entrée tient en %(max)d caractères au plus.") % {
            "max": MAX_SYNONYM_CHARS
        }
    if re.search(r"[<>]", text or ""):
        return gettext("Les balises HTML ne sont pas acceptées : saisissez des mots.")
    terms = split_terms(text)
    if len(terms) < 2:
        return gettext("Indiquez au moins deux termes, séparés par des virgules.")
    if len(terms) > MAX_TERMS_PER_ENTRY:
        return gettext("Une entrée compte au plus %(max)d termes.") % {"max": MAX_TERMS_PER_ENTRY}
    too_long = [t for t in terms if len(t) > MAX_TERM_CHARS]
    if too_long:
        return gettext("« %(term)s » est trop long (%(max)d caractères au plus).") % {
            "term": too_long[0][:40] + "…",
            "max": MAX_TERM_CHARS,
        }
    empty = [t for t in terms if not french_tokens(t)]
    if empty:
        return gettext("« %(term)s » ne contient que des mots ignorés par la recherche.") % {
            "term": empty[0]
        }
    return ""


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
    # [name, text] of each attached file (PostgreSQL: searched at weight D, migration 0008).
    files = models.JSONField(_("fichiers joints"), default=list, blank=True)

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
        error = validation_error(self.terms)
        if error:
            raise ValidationError({"terms": error})
        self.terms = ", ".join(split_terms(self.terms))

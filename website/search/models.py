"""The PostgreSQL backend's table (unused, but migrated, with the Whoosh backend).

The full-text column, the text search configuration and the GIN indexes exist only on
PostgreSQL: migration 0002 adds them there and does nothing on SQLite.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        verbose_name = _("entrée de l'index de recherche")
        verbose_name_plural = _("entrées de l'index de recherche")

    def __str__(self):
        return self.uid

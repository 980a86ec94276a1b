from django.db import models
from django.utils.translation import gettext_lazy as _


class TopicQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Topic(models.Model):
    """A subject of the shared taxonomy, used by questions, expertise and CMS pages.

    Bottom layer: imports neither `qa` nor `directory`, and names none of their URLs: the
    topic's page belongs to `qa`, so its address (`get_absolute_url`) is set by the site in
    `settings.ABSOLUTE_URL_OVERRIDES`.
    """

    name = models.CharField(_("nom"), max_length=100, unique=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("actif"), default=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("sujet")
        verbose_name_plural = _("sujets")

    def __str__(self):
        return self.name

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
    # The ask form's help for this topic: plain text, never HTML (shown escaped, inserted into
    # the body as text). A database default: rows written without them (raw SQL, older code
    # during a deploy) stay valid.
    ask_guide = models.TextField(
        _("conseil pour poser une question"),
        max_length=500,
        blank=True,
        db_default="",
        help_text=_("Une ou deux phrases affichées au-dessus du formulaire. Texte brut."),
    )
    ask_template = models.TextField(
        _("modèle de question"),
        max_length=2000,
        blank=True,
        db_default="",
        help_text=_(
            "Le texte proposé dans le champ « Détails » quand ce sujet est choisi, par exemple "
            "« Commune : / Nombre d'habitants : / Ce que vous avez déjà essayé : / Échéance : ». "
            "Texte brut (Markdown) ; le membre peut le vider."
        ),
    )

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("sujet")
        verbose_name_plural = _("sujets")

    def __str__(self):
        return self.name

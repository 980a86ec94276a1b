"""Personal API tokens: a member's key for scripts, shown once, stored as a digest.

Our own model rather than Wagtail 8's `wagtail.models.APIToken`: Wagtail's token has no
scopes and no expiry, is managed in the Wagtail admin (which members do not reach), and is
accepted by Wagtail's own API v3 if that is ever mounted. See docs/api.md.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a token may do. Reading needs `read`; posting, voting, accepting,
    following and flagging need `write:posts`; the directory needs `read:directory`;
    drafting a regulatory update needs `write:veille` (offered to editors only)."""

    READ = "read", _("Lecture : questions, réponses, sujets, recherche, FAQ, veille, ordre du jour")
    WRITE_POSTS = (
        "write:posts",
        _("Écriture : poser, répondre, commenter, voter, accepter, suivre, signaler"),
    )
    READ_DIRECTORY = "read:directory", _("Annuaire : personnes et structures")
    WRITE_VEILLE = (
        "write:veille",
        _("Veille : rédiger un texte de veille soumis à la relecture d'un second éditeur"),
    )


# Scopes only some roles may hold: offered on the account page to those roles only.
EDITOR_SCOPES = frozenset({Scope.WRITE_VEILLE})


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Neither revoked nor expired (the account's state is checked apart)."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A member's personal token. Only the SHA-256 digest of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="personal_api_tokens",
        verbose_name=_("compte"),
    )
    name = models.CharField(_("nom"), max_length=100)
    # The first characters of the token, shown in the list to tell tokens apart.
    prefix = models.CharField(_("début du jeton"), max_length=16)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("droits"), default=list)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="api_token_expires_after_creation"
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_created")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired

"""Personal API tokens (a member's key for scripts, shown once, stored as a digest) and
webhooks (endpoints, and their outbox and delivery log: docs/api.md, "Webhooks").

Our own model rather than Wagtail 8's `wagtail.models.APIToken`: Wagtail's token has no
scopes and no expiry, is managed in the Wagtail admin (which members do not reach), and is
accepted by Wagtail's own API v3 if that is ever mounted. See docs/api.md.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a token may do. Reading needs `read`; posting, voting, accepting,
    following and flagging need `write:posts`; the directory needs `read:directory`;
    drafting a regulatory update needs `write:veille` (offered to editors only). Without
    `admin:staff`, the token of a moderator, an editor or a superuser acts as a plain
    member's (but `write:veille` keeps an editor's editing role): their role needs two-factor
    authentication on the site, which a token does not carry. `admin:import` lets a
    moderator's script import a participant list into the directory (and nothing else)."""

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
    ADMIN_STAFF = (
        "admin:staff",
        _("Administration : agir avec son rôle de modérateur, d'éditeur ou de superutilisateur"),
    )
    ADMIN_IMPORT = (
        "admin:import",
        _("Import de l'annuaire : vérifier puis importer une liste de participants (modérateurs)"),
    )


# What a member picks on the account page (`write:veille` is offered to editors only);
# `admin:*` scopes are given by a superuser only (`services.token_admin_grant`, in the Django
# admin).
MEMBER_SCOPES = [Scope.READ, Scope.WRITE_POSTS, Scope.READ_DIRECTORY, Scope.WRITE_VEILLE]
# What a structure's service token may carry (docs/api.md, "Service tokens"): reading only.
# Not the directory (members' contact details would leave for readers who are not members),
# never a write (a post would be signed by the moderator who made the token).
SERVICE_SCOPES = [Scope.READ]
EDITOR_SCOPES = frozenset({Scope.WRITE_VEILLE})
ADMIN_SCOPES = [Scope.ADMIN_STAFF, Scope.ADMIN_IMPORT]


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Neither revoked nor expired (the account's state is checked apart)."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)

    def personal(self):
        return self.filter(structure__isnull=True)

    def service(self):
        return self.filter(structure__isnull=False)


class ApiToken(models.Model):
    """A member's personal token, or a structure's service token (`structure` set; `user` is
    the moderator who made it, and the token reads as a plain member, never with a role).
    Only the SHA-256 digest of the secret is stored."""

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
    # Who gave an `admin:*` scope, and when (a superuser, in the Django admin).
    admin_granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("droit d'administration donné par"),
    )
    admin_granted_at = models.DateTimeField(
        _("droit d'administration donné le"), null=True, blank=True
    )
    # A service token: the structure it serves (its intranet, its website). `user` is then
    # the moderator who made it (docs/api.md, "Service tokens for a structure").
    structure = models.ForeignKey(
        "directory.Structure",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="service_tokens",
        verbose_name=_("structure"),
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="api_token_expires_after_creation"
            ),
            # A service token never carries an administrative scope.
            models.CheckConstraint(
                condition=Q(structure__isnull=True) | Q(admin_granted_at__isnull=True),
                name="api_service_token_never_admin",
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

    @property
    def is_service(self) -> bool:
        return self.structure_id is not None


class ServiceTokenManager(models.Manager.from_queryset(ApiTokenQuerySet)):
    def get_queryset(self):
        return super().get_queryset().service()


class ServiceToken(ApiToken):
    """The service tokens alone, for the Wagtail admin's « Jetons de service » (moderators);
    a proxy, so that the admin's permissions are their own and not the personal tokens'."""

    objects = ServiceTokenManager()

    class Meta:
        proxy = True
        verbose_name = _("jeton de service")
        verbose_name_plural = _("jetons de service")


class WebhookEvent(models.TextChoices):
    """What a webhook endpoint may subscribe to (issue 21). The value is the payload's
    `event` and the `Entraide-Webhook-Event` header."""

    QUESTION_CREATED = "question.created", _("Question posée")
    ANSWER_ACCEPTED = "answer.accepted", _("Réponse acceptée par l'auteur de la question")
    ANSWER_VALIDATED = "answer.validated", _("Réponse validée par un expert")
    REGULATORY_UPDATE_PUBLISHED = (
        "regulatory_update.published",
        _("Mise à jour réglementaire publiée"),
    )
    RECHECK_REQUESTED = "question.recheck_requested", _("Fil marqué « à revérifier »")


class WebhookEndpoint(models.Model):
    """An address a moderator registered to receive events, signed with its own secret.

    The secret is kept encrypted (`directory.mfa.encrypt_secret`): signing needs it in clear,
    so it cannot be a digest like the tokens'. It is shown once, when the endpoint is
    registered or its secret renewed (website/api/wagtail_hooks.py)."""

    name = models.CharField(_("nom"), max_length=100)
    url = models.URLField(
        _("adresse"),
        max_length=500,
        help_text=_(
            "En https. Les adresses locales, privées ou réservées sont refusées, et les "
            "redirections ne sont pas suivies."
        ),
    )
    events = models.JSONField(_("événements"), default=list)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("responsable"),
        help_text=_("Les envois ne contiennent que ce que cette personne peut voir."),
    )
    secret_encrypted = models.TextField(editable=False)
    # After a renewal, the replaced secret still signs deliveries (beside the new one) until
    # `previous_secret_until`, so that the receiver can switch without losing one.
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_secret_until = models.DateTimeField(
        _("ancien secret accepté jusqu'au"), null=True, blank=True, editable=False
    )
    secret_renewed_at = models.DateTimeField(
        _("secret renouvelé le"), null=True, blank=True, editable=False
    )
    is_active = models.BooleanField(_("actif"), default=True)
    consecutive_failures = models.PositiveIntegerField(
        _("échecs consécutifs"), default=0, editable=False
    )
    disabled_at = models.DateTimeField(_("désactivé le"), null=True, blank=True, editable=False)
    disabled_reason = models.CharField(
        _("raison de la désactivation"), max_length=300, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("en attente")
    SENDING = "sending", _("en cours d'envoi")
    DELIVERED = "delivered", _("livré")
    FAILED = "failed", _("abandonné")
    CANCELLED = "cancelled", _("annulé")


class WebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row, written in the transaction of the event,
    and then its delivery log (attempts, last answer, last error).

    `body` is the JSON sent, fixed at the event: every retry sends the same bytes and the same
    `event_id` (`Entraide-Webhook-Id`), so a receiver can drop a repeat."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("webhook"),
    )
    event_id = models.UUIDField(_("identifiant de l'événement"), default=uuid.uuid4, editable=False)
    event = models.CharField(_("événement"), max_length=40, choices=WebhookEvent.choices)
    body = models.TextField(_("contenu"))
    status = models.CharField(
        _("état"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("livré le"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("dernier code HTTP"), null=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)

    class Meta:
        verbose_name = _("envoi de webhook")
        verbose_name_plural = _("envois de webhook")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="api_webhook_due"),
            models.Index(fields=["endpoint", "-created_at"], name="api_webhook_log"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.status})"

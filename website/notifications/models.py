"""Notifications, e-mail preferences, the e-mail outbox and the secret feed tokens.

Every notification is shown in the in-app centre; whether and when it also goes out by e-mail
depends on the recipient's preference for its kind (see `kinds.DEFAULT_FREQUENCY`).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from website.notifications.kinds import DEFAULT_FREQUENCY, HEADLINES, Frequency, Kind

DELETED_POST = _("Message supprimé")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One event told to one member; unique per (recipient, event): a retry adds nothing."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("type"), max_length=40, choices=Kind.choices)
    event_key = models.CharField(
        _("clé de l'événement"),
        max_length=120,
        help_text=_("Identifie l'événement : une même personne n'est notifiée qu'une fois."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur de l'action"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("nom de l'auteur"), max_length=200, blank=True)
    title = models.CharField(_("titre"), max_length=300)
    excerpt = models.TextField(_("extrait"), max_length=1000, blank=True)
    url = models.CharField(_("lien"), max_length=500, help_text=_("Chemin et ancre sur le site."))
    topic = models.ForeignKey(
        "taxonomy.Topic",
        verbose_name=_("sujet"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    redacted_at = models.DateTimeField(
        _("effacée le"),
        null=True,
        blank=True,
        help_text=_(
            "Le message dont elle parlait a été supprimé : son extrait (et le titre, si la "
            "discussion entière est supprimée) a été effacé."
        ),
    )
    email_delivery = models.ForeignKey(
        "EmailDelivery",
        verbose_name=_("envoi immédiat"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="immediate_notifications",
    )
    digest_delivery = models.ForeignKey(
        "EmailDelivery",
        verbose_name=_("résumé"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digest_notifications",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event_key"], name="notification_once_per_event"
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent_idx"),
        ]

    def __str__(self):
        return f"{self.recipient} — {self.headline}"

    @property
    def headline(self) -> str:
        return HEADLINES[self.kind] % {"actor": self.actor_name or _("Un membre")}

    @property
    def shown_title(self) -> str:
        """The stored title; « Message supprimé » once its whole thread was deleted."""
        return self.title or str(DELETED_POST)

    @property
    def shown_excerpt(self) -> str:
        """The stored excerpt; « Message supprimé » in its place once the post was deleted."""
        if self.redacted_at is not None and self.title:
            return str(DELETED_POST)
        return self.excerpt

    @property
    def link(self) -> str:
        """The stored path, or the centre if it is not a local path: never a `javascript:`,
        nor a path a browser reads as another site (`//…`, `/\\…`, a tab between slashes)."""
        if self.url.startswith("/") and url_has_allowed_host_and_scheme(self.url, None):
            return self.url
        return "/notifications/"

    @property
    def page(self) -> str:
        """The page the link opens, without its anchor. A thread's page is named up to its
        number: its slug follows the title, and notifications written before and after a
        title edit still belong together."""
        path = self.link.split("#", 1)[0]
        try:
            match = resolve(path)
        except Resolver404:
            return path
        slug = match.kwargs.get("slug")
        if match.view_name == "qa:question_detail" and slug and path.endswith(f"/{slug}/"):
            return path[: -len(slug) - 1]
        return path

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How often a member gets e-mails for one kind; without a row the kind's default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("type"), max_length=40, choices=Kind.choices)
    frequency = models.CharField(_("fréquence"), max_length=20, choices=Frequency.choices)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_unique_kind"),
            models.CheckConstraint(
                condition=Q(frequency__in=Frequency.values), name="preference_frequency_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_kind_display()} : {self.get_frequency_display()}"

    @staticmethod
    def default_for(kind: str) -> str:
        return DEFAULT_FREQUENCY[Kind(kind)]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENDING = "sending", _("En cours d'envoi")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Abandonné après plusieurs essais")
    CANCELLED = "cancelled", _("Annulé")


class DeliveryKind(models.TextChoices):
    IMMEDIATE = "immediate", _("Envoi immédiat")
    DAILY = "daily", _("Résumé quotidien")
    WEEKLY = "weekly", _("Résumé hebdomadaire")
    # E-mails of the directory to an address without an account yet (`directory.extensions`).
    INVITATION = "invitation", _("Invitation")


class EmailDelivery(models.Model):
    """One e-mail in the outbox. The idempotency key makes a retried task or command a no-op.

    The message is rendered once, when the row is created, so every attempt sends the same
    bytes with the same Message-ID.
    """

    idempotency_key = models.CharField(_("clé d'idempotence"), max_length=200, unique=True)
    # None for an e-mail to an address without an account (an invitation): `to_address` then.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        on_delete=models.CASCADE,
        related_name="email_deliveries",
        null=True,
        blank=True,
    )
    to_address = models.EmailField(_("adresse du destinataire"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=DeliveryKind.choices)
    subject = models.CharField(_("objet"), max_length=250)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"))
    unsubscribe_url = models.CharField(_("lien de désabonnement"), max_length=500)
    message_id = models.CharField(_("Message-ID"), max_length=250)
    reply_to = models.CharField(
        _("adresse de réponse"),
        max_length=250,
        blank=True,
        help_text=_("Adresse secrète r+…@ mise en Reply-To (vide : pas de réponse par e-mail)."),
    )
    status = models.CharField(
        _("état"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("envoi d'e-mail")
        verbose_name_plural = _("envois d'e-mails")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_due_idx",
            ),
            # A bounce names the e-mail it is about by its Message-ID (bounces.record).
            models.Index(fields=["message_id"], name="delivery_message_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(to_address=""),
                name="delivery_has_recipient_or_address",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to} ({self.get_status_display()})"

    @property
    def to(self) -> str:
        """The address the e-mail goes to: the account's, or the one given without an account."""
        return self.recipient.email if self.recipient_id else self.to_address


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class FeedToken(models.Model):
    """The secret of a member's personal Atom feeds (notifications, new questions per topic).

    Regenerating it kills the old URLs at once; unused for `FEED_TOKEN_MAX_IDLE_DAYS` it expires.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_feed"
    )
    token = models.CharField(_("jeton"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("créé le"), auto_now=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)

    class Meta:
        verbose_name = _("jeton de flux")
        verbose_name_plural = _("jetons de flux")

    def __str__(self):
        return str(self.user)

    def is_expired(self, now=None) -> bool:
        """Unused (neither read by a feed reader nor renewed) for the idle period."""
        idle_since = max(filter(None, [self.created_at, self.last_used_at]))
        max_idle = timedelta(days=settings.FEED_TOKEN_MAX_IDLE_DAYS)
        return (now or timezone.now()) - idle_since > max_idle


def new_reply_secret() -> str:
    return secrets.token_urlsafe(24)


class ReplyKey(models.Model):
    """The per-member secret mixed into every reply address: changing it revokes them all."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reply_key"
    )
    secret = models.CharField(_("secret"), max_length=64, default=new_reply_secret)
    renewed_at = models.DateTimeField(_("renouvelé le"), auto_now=True)
    ask_without_confirmation = models.BooleanField(
        _("publier sans confirmation les questions envoyées par e-mail"),
        default=False,
        help_text=_(
            "Sinon, une question envoyée à l'adresse q+… attend que le membre la confirme."
        ),
    )

    class Meta:
        verbose_name = _("clé des adresses de réponse")
        verbose_name_plural = _("clés des adresses de réponse")

    def __str__(self):
        return str(self.user)


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Reçu, à traiter")
    POSTED = "posted", _("Publié")
    IGNORED = "ignored", _("Ignoré (réponse automatique, rebond)")
    REFUSED = "refused", _("Refusé")
    FAILED = "failed", _("Erreur")
    DISCARDED = "discarded", _("Écarté par la modération")
    AWAITING = "awaiting", _("Question en attente de confirmation")


class InboundMail(models.Model):
    """One e-mail received at a reply address, stored raw before anything else (nothing lost).

    The Message-ID is unique: the same message delivered twice is processed once.
    """

    message_id = models.CharField(_("Message-ID"), max_length=250, unique=True)
    raw = models.BinaryField(_("message brut"))
    envelope_to = models.CharField(_("destinataire (enveloppe)"), max_length=320, blank=True)
    sender = models.CharField(_("expéditeur (From)"), max_length=320, blank=True)
    subject = models.CharField(_("objet"), max_length=250, blank=True)
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now)
    status = models.CharField(
        _("état"), max_length=20, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    reason = models.CharField(_("motif"), max_length=40, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_mismatch = models.BooleanField(
        _("expéditeur différent du compte"),
        default=False,
        help_text=_("Le From n'est pas une adresse du compte (boîte partagée de mairie ?)."),
    )
    text = models.TextField(_("texte retenu"), blank=True)
    quoted_text = models.TextField(_("texte cité"), blank=True)
    posted_url = models.CharField(_("message publié"), max_length=500, blank=True)
    posted_question = models.ForeignKey(
        "qa.Question",
        verbose_name=_("discussion du message publié"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    posted_anchor = models.CharField(
        _("ancre du message publié"),
        max_length=40,
        blank=True,
        help_text=_("« question », « reponse-12 » ou « commentaire-7 » dans la discussion."),
    )
    processed_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    refusal_sent_at = models.DateTimeField(_("réponse de refus envoyée le"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("courriel reçu")
        verbose_name_plural = _("courriels reçus")
        indexes = [
            models.Index(fields=["status", "-received_at"], name="inbound_status_idx"),
            models.Index(fields=["sender", "-refusal_sent_at"], name="inbound_refusal_idx"),
            models.Index(
                fields=["posted_question"],
                condition=Q(status="posted"),
                name="inbound_posted_question_idx",
            ),
        ]

    def __str__(self):
        return f"{self.message_id} ({self.get_status_display()})"

    @property
    def needs_moderator(self) -> bool:
        return self.status in {InboundStatus.REFUSED, InboundStatus.FAILED}


class EmailBounce(models.Model):
    """A delivery status notification (DSN) saying one of our e-mails to a member failed for
    good (RFC 3464 `Action: failed`, status 5.x.x). Counted only when it names an e-mail we
    really sent to that member (its Message-ID is in the outbox): a forged DSN pauses nobody."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre"),
        on_delete=models.CASCADE,
        related_name="email_bounces",
    )
    delivery = models.ForeignKey(
        EmailDelivery,
        verbose_name=_("e-mail refusé"),
        on_delete=models.CASCADE,
        related_name="bounces",
    )
    inbound_mail = models.ForeignKey(
        InboundMail,
        verbose_name=_("avis de non-remise"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bounces",
    )
    address = models.CharField(_("adresse refusée"), max_length=320)
    status = models.CharField(_("code d'état"), max_length=20)
    diagnostic = models.CharField(_("diagnostic"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("reçu le"), default=timezone.now)
    cleared_at = models.DateTimeField(
        _("effacé le"),
        null=True,
        blank=True,
        help_text=_("Le membre a repris l'envoi des e-mails : ce retour ne compte plus."),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("retour en erreur")
        verbose_name_plural = _("retours en erreur")
        constraints = [
            models.UniqueConstraint(fields=["delivery"], name="bounce_once_per_delivery"),
        ]

    def __str__(self):
        return f"{self.address} {self.status}"


class EmailPause(models.Model):
    """The member's e-mails are paused: their address refused several of them. Every outbox
    row is cancelled until they resume from the preferences page."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre"),
        on_delete=models.CASCADE,
        related_name="email_pause",
    )
    address = models.CharField(_("adresse refusée"), max_length=320)
    diagnostic = models.CharField(_("dernier diagnostic"), max_length=500, blank=True)
    paused_at = models.DateTimeField(_("suspendus le"), default=timezone.now)

    class Meta:
        verbose_name = _("e-mails suspendus")
        verbose_name_plural = _("e-mails suspendus")

    def __str__(self):
        return str(self.user)

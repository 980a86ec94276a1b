"""Agenda proposals and the meetings that schedule them (report 17: "who writes the agenda?").

Any member proposes a subject; members support it; moderators create meetings (exchange
sessions, community councils), schedule proposals into them and, once debated, mark them
discussed with a link to the minutes. The proposer implicitly supports their own proposal.
"""

from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TITLE_MIN_LENGTH = 10
TITLE_MAX_LENGTH = 150
RATIONALE_MAX_LENGTH = 5000
MAX_TOPICS = 5


class MeetingKind(models.TextChoices):
    EXCHANGE = "echange", _("Temps d'échange")
    COUNCIL = "conseil", _("Conseil communautaire")
    BUREAU = "bureau", _("Bureau")
    COMMISSION = "commission", _("Commission thématique")


class MeetingQuerySet(models.QuerySet):
    def held(self):
        """Meetings not cancelled."""
        return self.filter(cancelled_at__isnull=True)

    def upcoming(self, now=None):
        """Meetings to come and not cancelled, soonest first."""
        return self.held().filter(starts_at__gte=now or timezone.now()).order_by("starts_at")

    def past(self, now=None):
        return self.held().filter(starts_at__lt=now or timezone.now()).order_by("-starts_at")


class Meeting(models.Model):
    """An exchange session or council meeting, in a place or by video, that has an agenda."""

    title = models.CharField(_("intitulé"), max_length=TITLE_MAX_LENGTH)
    kind = models.CharField(
        _("type de réunion"),
        max_length=20,
        choices=MeetingKind.choices,
        default=MeetingKind.EXCHANGE,
    )
    starts_at = models.DateTimeField(_("date et heure"))
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    video_url = models.URLField(_("lien de visioconférence"), max_length=500, blank=True)
    description = models.TextField(_("description"), max_length=RATIONALE_MAX_LENGTH, blank=True)
    structure = models.ForeignKey(
        "directory.Structure",
        verbose_name=_("structure"),
        help_text=_("La structure dont c'est le conseil, le bureau ou la commission."),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("annulée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancellation_reason = models.CharField(_("motif de l'annulation"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("réunion")
        verbose_name_plural = _("réunions")
        constraints = [
            # A meeting nobody can reach is a mistake: it has a place, a video link or both.
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(video_url=""),
                name="meeting_has_place_or_video",
                violation_error_message=_("Indiquez un lieu ou un lien de visioconférence."),
            ),
        ]
        indexes = [models.Index(fields=["starts_at"], name="meeting_starts_at_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("agenda:meeting_detail", kwargs={"pk": self.pk})

    def get_calendar_url(self):
        return reverse("agenda:meeting_calendar", kwargs={"pk": self.pk})

    @property
    def is_past(self):
        return self.starts_at < timezone.now()

    @property
    def is_cancelled(self):
        return self.cancelled_at is not None


class ProposalStatus(models.TextChoices):
    OPEN = "ouverte", _("Ouverte")
    SCHEDULED = "programmee", _("Inscrite à l'ordre du jour")
    DISCUSSED = "debattue", _("Débattue")
    WITHDRAWN = "retiree", _("Retirée")


# Statuses in which members may still add or withdraw their support.
SUPPORTABLE_STATUSES = (ProposalStatus.OPEN, ProposalStatus.SCHEDULED)


class ProposalQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ProposalStatus.OPEN)

    def ranked(self):
        """Most supported first; among equals, the oldest first (it has waited longest)."""
        return self.order_by("-support_count", "created_at", "pk")

    def with_listing_data(self):
        return self.select_related("author", "minutes_document", "minutes_page").prefetch_related(
            "topics"
        )


class Proposal(models.Model):
    """A subject a member proposes for the agenda of a coming meeting."""

    title = models.CharField(
        _("sujet proposé"),
        max_length=TITLE_MAX_LENGTH,
        validators=[MinLengthValidator(TITLE_MIN_LENGTH)],
    )
    rationale = models.TextField(_("pourquoi c'est important"), max_length=RATIONALE_MAX_LENGTH)
    topics = models.ManyToManyField(
        "taxonomy.Topic", verbose_name=_("thèmes"), related_name="agenda_proposals"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposé par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="agenda_proposals",
    )
    created_at = models.DateTimeField(_("proposé le"), default=timezone.now)
    status = models.CharField(
        _("état"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    support_count = models.PositiveIntegerField(_("soutiens"), default=0)
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("réunion"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    scheduled_at = models.DateTimeField(_("inscrit le"), null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inscrit par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    discussed_at = models.DateTimeField(_("débattu le"), null=True, blank=True)
    minutes_url = models.URLField(_("lien vers le compte rendu"), max_length=500, blank=True)
    # Minutes kept on the site are linked to the row, so that renaming or moving them keeps
    # the link (see `qa/agenda/minutes.py`); `minutes_url` is for minutes published elsewhere.
    minutes_document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("document du compte rendu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    minutes_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page du compte rendu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    minutes_published_at = models.DateTimeField(_("compte rendu publié le"), null=True, blank=True)
    edited_at = models.DateTimeField(_("modifiée le"), null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-support_count", "created_at"]
        verbose_name = _("proposition d'ordre du jour")
        verbose_name_plural = _("propositions d'ordre du jour")
        constraints = [
            # A double click or a resubmitted form must not create the same proposal twice.
            models.UniqueConstraint(
                "author",
                Lower("title"),
                condition=Q(status__in=["ouverte", "programmee"]),
                name="proposal_unique_open_title_per_author",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["ouverte", "retiree"]) | Q(meeting__isnull=False),
                name="proposal_scheduled_has_meeting",
            ),
            # Minutes belong to a debate: only a discussed proposal has them (they may come
            # after the meeting, so a discussed proposal may have none yet).
            models.CheckConstraint(
                condition=Q(status="debattue")
                | (
                    Q(minutes_url="")
                    & Q(minutes_document__isnull=True)
                    & Q(minutes_page__isnull=True)
                ),
                name="proposal_minutes_only_when_discussed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "-support_count", "created_at"], name="proposal_ranking_idx"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("agenda:proposal_detail", kwargs={"pk": self.pk})

    @property
    def is_supportable(self):
        return self.status in SUPPORTABLE_STATUSES

    @property
    def minutes_link(self) -> str:
        """Where the minutes are read: the site's document or page, else the outside link."""
        if self.minutes_document_id and self.minutes_document:
            return self.minutes_document.url
        if self.minutes_page_id and self.minutes_page:
            return self.minutes_page.url or ""
        return self.minutes_url

    @property
    def has_minutes(self) -> bool:
        return bool(self.minutes_url or self.minutes_document_id or self.minutes_page_id)


class Support(models.Model):
    """One member's support for a proposal: at most one per member and proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agenda_supports"
    )
    created_at = models.DateTimeField(_("soutenu le"), default=timezone.now)

    class Meta:
        verbose_name = _("soutien")
        verbose_name_plural = _("soutiens")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="support_one_per_member"),
        ]

    def __str__(self):
        return f"{self.user} → {self.proposal}"


COMMENT_MAX_LENGTH = 2000


class ProposalComment(models.Model):
    """A member's remark on a proposal (plain text, shown escaped)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="agenda_comments",
    )
    body = models.TextField(_("commentaire"), max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(_("écrit le"), default=timezone.now)
    edited_at = models.DateTimeField(_("modifié le"), null=True, blank=True)
    # Deleted as Q&A posts are: hidden from the page, kept (a superuser restores it in the
    # admin by emptying the date).
    deleted_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supprimé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("commentaire sur une proposition")
        verbose_name_plural = _("commentaires sur les propositions")

    def __str__(self):
        return f"{self.author} → {self.proposal}"

    def get_absolute_url(self):
        return f"{self.proposal.get_absolute_url()}#commentaire-{self.pk}"

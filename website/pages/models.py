"""Wagtail page types of the site: home, legal pages, FAQ, regulatory watch, resource centre.

Also the editorial workflow task (a second editor approves) and, for the "stale answers"
feature, the link between a regulatory update and the Q&A threads it makes stale.

What a page type shows is read here, next to the page model (the Wagtail idiom), or by the
modules imported below, none of which imports this one: so no circle runs through the models.
"""

import datetime
import functools
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import AbstractGroupApprovalTask, Orderable, Page
from wagtail.search import index

from directory.fragments import shared_fragments
from directory.roles import is_member
from qa.models import FaqPromotion, Question
from qa.selectors import unread_thread_ids
from qa.unread_slots import fill_unread_slots, slot_ids
from taxonomy.models import Topic
from website.pages.collections import restricted_collection_ids
from website.pages.dashboard import (
    DASHBOARD_LIMIT,
    agenda,
    latest_updates,
    member_dashboard,
    recent_threads,
)
from website.pages.forms import RegulatoryFilterForm
from website.pages.panels import QuestionChooserWidget, SuggestedQuestionsPanel
from website.pages.richtext import SafeRichTextField

UPDATES_PER_PAGE = 20
RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link", "hr"]


class HomePage(Page):
    """The site root at `/`: an editable introduction; members get their dashboard."""

    introduction = SafeRichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)
    visitor_text = SafeRichTextField(
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

    def get_context(self, request, *args, **kwargs):
        """What every member (or every visitor) sees alike is kept in shared fragments
        (directory/fragments.py): the texts, the updates, the agenda, the recent activity.
        The member's own dashboard is read on each request, and their unread marks are filled
        into the recent activity's slots (qa/unread_slots.py) with the addressed questions'
        in one query."""
        context = super().get_context(request, *args, **kwargs)
        member = is_member(request.user)
        # The next meeting is « upcoming » until it starts: its fragment lasts a minute at most.
        minute = int(timezone.now().timestamp()) // 60
        keys = ["intro", "visitor"]
        if member:
            keys = ["intro", "updates", f"agenda:{minute}", "recent"]
        shared = shared_fragments(
            request, f"home:{self.pk}", keys, functools.partial(self._render_shared, request)
        )
        shared["agenda"] = shared.pop(f"agenda:{minute}", "")
        if member:
            dashboard = member_dashboard(
                request.user, pending_rechecks=QuestionRecheck.objects.pending()
            )
            addressed = dashboard["addressed"]
            unread = unread_thread_ids(
                slot_ids(shared["recent"]) | {question.pk for question in addressed},
                request.user,
            )
            for question in addressed:
                question.has_unread = question.pk in unread
            shared["recent"] = fill_unread_slots(shared["recent"], unread)
            context["dashboard"] = dashboard
        context["shared"] = shared
        return context

    def _render_shared(self, request, key: str) -> str:
        # The request for `{% pageurl %}` (the site), without the context processors: a
        # fragment reads nothing of the viewer.
        updates = RegulatoryUpdatePage.objects.live().public()
        if key == "intro":
            return render_to_string("pages/_home_text.html", {"text": self.introduction})
        if key == "visitor":
            context = {"page": self, "updates": latest_updates(updates, 3)}
            return render_to_string("pages/_home_visitor.html", {**context, "request": request})
        if key == "updates":
            context = {"updates": latest_updates(updates, DASHBOARD_LIMIT), "request": request}
            return render_to_string("pages/_home_updates.html", context)
        if key == "recent":
            return render_to_string("pages/_home_recent.html", {"recent": recent_threads()})
        return render_to_string("pages/_home_agenda.html", agenda())


class ContentPage(Page):
    """A plain page: legal notices, accessibility statement, personal data, about."""

    body = SafeRichTextField(_("contenu"), features=RICH_TEXT_FEATURES, blank=True)
    last_reviewed = models.DateField(_("dernière mise à jour"), null=True, blank=True)

    search_fields = [*Page.search_fields, index.SearchField("body")]
    content_panels = [*Page.content_panels, FieldPanel("body"), FieldPanel("last_reviewed")]

    class Meta:
        verbose_name = _("page de contenu")


# --- FAQ ------------------------------------------------------------------------------------


class FaqIndexPage(Page):
    """`/faq/`: entries written by editors and Q&A threads promoted by moderators, by topic."""

    introduction = SafeRichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("introduction"),
        InlinePanel("entries", heading=_("Entrées rédigées"), label=_("entrée")),
    ]
    search_fields = [*Page.search_fields, index.SearchField("introduction")]
    parent_page_types = ["pages.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    class Meta:
        verbose_name = _("page FAQ")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sections"] = faq_sections(self)
        return context


class FaqEntry(Orderable):
    """An FAQ entry written by an editor; its topic is the FAQ section it appears in."""

    page = ParentalKey(FaqIndexPage, on_delete=models.CASCADE, related_name="entries")
    question = models.CharField(_("question"), max_length=255)
    answer = SafeRichTextField(_("réponse"), features=RICH_TEXT_FEATURES)
    topic = models.ForeignKey(
        "taxonomy.Topic",
        verbose_name=_("sujet (section)"),
        on_delete=models.PROTECT,
        related_name="faq_entries",
    )
    sources = models.TextField(
        _("sources"),
        blank=True,
        help_text=_("Textes officiels ou documents de référence, un par ligne."),
    )
    last_checked = models.DateField(_("vérifiée le"), default=timezone.localdate)

    panels = [
        FieldPanel("question"),
        FieldPanel("answer"),
        FieldRowPanel([FieldPanel("topic"), FieldPanel("last_checked")]),
        FieldPanel("sources"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("entrée de FAQ")
        verbose_name_plural = _("entrées de FAQ")

    def __str__(self):
        return self.question

    @property
    def anchor(self):
        return f"faq-{self.pk}"

    @property
    def source_lines(self):
        return [line.strip() for line in self.sources.splitlines() if line.strip()]


# FAQ reads: the page's entries and the promoted threads, by topic.


@dataclass
class FaqItem:
    """One FAQ entry, written by an editor or promoted from a Q&A thread."""

    anchor: str
    question: str
    answer_html: str
    last_checked: datetime.date | None
    topic: Topic | None
    sources: list[str] = field(default_factory=list)
    thread_url: str = ""
    is_promoted: bool = False
    recheck: "QuestionRecheck | None" = None


def _promoted_item(promotion) -> FaqItem:
    """The version a moderator approved (frozen title and answer), never the live thread."""
    question = promotion.question
    checks = [promotion.approved_at, promotion.answer.validated_at]
    checks += [r.cleared_at for r in question.cleared_rechecks]
    last_checked = max(d for d in checks if d is not None)
    topics = sorted(question.topics.all(), key=lambda t: t.name)
    return FaqItem(
        anchor=f"question-{question.pk}",
        question=promotion.title,
        answer_html=promotion.answer_html,
        last_checked=last_checked.date(),
        topic=topics[0] if topics else None,
        thread_url=question.get_absolute_url(),
        is_promoted=True,
        recheck=question.pending_rechecks[0] if question.pending_rechecks else None,
    )


def faq_items(page) -> list[FaqItem]:
    entries = page.entries.select_related("topic").order_by("sort_order")
    items = [
        FaqItem(
            anchor=entry.anchor,
            question=entry.question,
            answer_html=entry.answer,
            last_checked=entry.last_checked,
            topic=entry.topic,
            sources=entry.source_lines,
        )
        for entry in entries
    ]
    promotions = (
        FaqPromotion.objects.listed()
        .select_related("question", "answer")
        .prefetch_related(
            "question__topics",
            Prefetch(
                "question__rechecks",
                # The FAQ is public: it names only updates everyone may read.
                queryset=QuestionRecheck.objects.pending()
                .filter(update__in=RegulatoryUpdatePage.objects.public().values("pk"))
                .select_related("update"),
                to_attr="pending_rechecks",
            ),
            Prefetch(
                "question__rechecks",
                queryset=QuestionRecheck.objects.cleared(),
                to_attr="cleared_rechecks",
            ),
        )
        .order_by("title")
    )
    items += [_promoted_item(promotion) for promotion in promotions]
    return items


def faq_sections(page) -> list[dict]:
    """FAQ entries grouped by topic (alphabetical), entries without topic last."""
    sections: dict = {}
    for item in faq_items(page):
        sections.setdefault(item.topic, []).append(item)
    ordered = sorted(
        sections.items(), key=lambda pair: (pair[0] is None, pair[0].name if pair[0] else "")
    )
    return [{"topic": topic, "items": items} for topic, items in ordered]


# --- Regulatory watch -----------------------------------------------------------------------


class LinksDocuments:
    """A page type whose `documents` (a `LinkedDocument` inline) are searched with it: the
    search service reads `search_documents()` and keeps the text of those that every reader of
    the page may open (website/search/documents.py, `page_document`)."""

    def search_documents(self) -> list[tuple]:
        """(document, its extracted text or "") of each linked document, in the editor's order."""
        items = self.documents.select_related("document__collection", "document__search_text")
        return [(item.document, _text_of(item.document)) for item in items.order_by("sort_order")]


def _text_of(document) -> str:
    try:
        return document.search_text.text
    except DocumentText.DoesNotExist:
        return ""


class RegulatoryKind(models.TextChoices):
    LAW = "loi", _("Loi")
    DECREE = "decret", _("Décret")
    CIRCULAR = "circulaire", _("Circulaire")
    CASE_LAW = "jurisprudence", _("Jurisprudence")
    OTHER = "autre", _("Autre")


class Audience(models.TextChoices):
    ALL = "toutes", _("Toutes les collectivités")
    COMMUNES = "communes", _("Les communes")
    CCS = "cc", _("Les communautés de communes")


class RegulatoryIndexPage(Page):
    """`/veille/`: regulatory updates, filtered by topic, year and kind of text."""

    introduction = SafeRichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    parent_page_types = ["pages.HomePage"]
    subpage_types = ["pages.RegulatoryUpdatePage"]
    max_count = 1

    class Meta:
        verbose_name = _("page de veille réglementaire")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(self.filtered_updates(request.GET))
        return context

    def filtered_updates(self, params) -> dict:
        """The published updates under this page, filtered by `?sujet=`, `?annee=`, `?type=`."""
        updates = (
            RegulatoryUpdatePage.objects.live()
            .public()
            .child_of(self)
            .prefetch_related("topics")
            .order_by("-publication_date", "-pk")
        )
        years = sorted(
            {d.year for d in updates.values_list("publication_date", flat=True)}, reverse=True
        )
        form = RegulatoryFilterForm(params or None, years=years, kinds=RegulatoryKind.choices)
        active_topic = None
        if form.is_bound:
            form.is_valid()
            data = getattr(form, "cleaned_data", {})
            if data.get("sujet"):
                active_topic = data["sujet"]
                updates = updates.filter(
                    pk__in=RegulatoryUpdatePage.topics.through.objects.filter(
                        topic=active_topic
                    ).values("regulatoryupdatepage_id")
                )
            if data.get("annee"):
                updates = updates.filter(publication_date__year=data["annee"])
            if data.get("type"):
                updates = updates.filter(kind=data["type"])
        page_obj = Paginator(updates, UPDATES_PER_PAGE).get_page(params.get("page"))
        return {"filter_form": form, "updates": page_obj, "active_topic": active_topic}


class RegulatoryUpdatePage(LinksDocuments, Page):
    """One new text (law, decree, circular, case law) and what it changes for the members.

    Publishing it marks its affected questions "à revérifier" (see `services.py`).
    """

    kind = models.CharField(_("type de texte"), max_length=20, choices=RegulatoryKind.choices)
    official_reference = models.CharField(
        _("référence officielle"),
        max_length=255,
        help_text=_("Par exemple : Loi n° 2015-991 du 7 août 2015."),
    )
    official_url = models.URLField(_("lien vers le texte officiel"), max_length=500, blank=True)
    publication_date = models.DateField(_("date de publication"))
    effective_date = models.DateField(_("date d'entrée en vigueur"), null=True, blank=True)
    topics = ParentalManyToManyField(
        "taxonomy.Topic", verbose_name=_("sujets"), related_name="regulatory_updates"
    )
    audience = models.CharField(
        _("collectivités concernées"),
        max_length=10,
        choices=Audience.choices,
        default=Audience.ALL,
    )
    summary = models.TextField(
        _("ce qui change pour vous"),
        max_length=1000,
        help_text=_("Quelques phrases simples, affichées en tête et dans les listes."),
    )
    body = SafeRichTextField(_("contenu détaillé"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("kind"),
                FieldPanel("official_reference"),
                FieldPanel("official_url"),
                FieldRowPanel([FieldPanel("publication_date"), FieldPanel("effective_date")]),
            ],
            heading=_("Texte officiel"),
        ),
        FieldPanel("topics", widget=forms.CheckboxSelectMultiple),
        FieldPanel("audience"),
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel(
            "documents",
            heading=_("Documents liés"),
            label=_("document"),
            help_text=_(
                "Documents du centre de ressources (texte officiel, modèle de délibération…) : "
                "la recherche trouve ce texte par les mots qu'ils contiennent."
            ),
        ),
        InlinePanel(
            "affected_questions",
            heading=_("Questions à revérifier"),
            label=_("question concernée"),
            help_text=_(
                "À la publication, ces fils de questions-réponses seront signalés « à "
                "revérifier » et leurs auteurs et experts prévenus."
            ),
        ),
        SuggestedQuestionsPanel(heading=_("Questions suggérées")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("official_reference"),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("kind"),
        index.FilterField("publication_date"),
    ]
    parent_page_types = ["pages.RegulatoryIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("texte de veille réglementaire")
        verbose_name_plural = _("textes de veille réglementaire")

    def clean(self):
        super().clean()
        errors = {}
        if (
            self.publication_date
            and self.effective_date
            and self.effective_date < self.publication_date
        ):
            errors["effective_date"] = _(
                "La date d'entrée en vigueur ne peut pas précéder la date de publication."
            )
        if errors:
            raise ValidationError(errors)

    def full_clean(self, *args, **kwargs):
        super().full_clean(*args, **kwargs)
        # An admin form validates before it assigns the topics (its required field guards
        # them); every save or revision from code calls full_clean() without `exclude`.
        if kwargs.get("exclude") is None and not self.topics.all():
            raise ValidationError({"topics": _("Choisissez au moins un sujet.")})

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["affected"] = self.affected_threads() if is_member(request.user) else []
        context["documents"] = list(
            self.documents.select_related("document").order_by("sort_order")
        )
        context["restricted_collection_ids"] = restricted_collection_ids()
        return context

    def affected_threads(self) -> list:
        """The live threads the editor marked as affected, with their re-checks for this update."""
        return list(
            Question.objects.alive()
            .filter(regulatory_links__page=self)
            .prefetch_related(
                Prefetch(
                    "rechecks",
                    queryset=QuestionRecheck.objects.filter(update=self),
                    to_attr="rechecks_for_update",
                )
            )
            .order_by("title")
        )


class AffectedQuestion(Orderable):
    """A Q&A thread the editor says this update may make stale."""

    page = ParentalKey(
        RegulatoryUpdatePage, on_delete=models.CASCADE, related_name="affected_questions"
    )
    question = models.ForeignKey(
        "qa.Question",
        verbose_name=_("question"),
        on_delete=models.CASCADE,
        related_name="regulatory_links",
    )

    panels = [FieldPanel("question", widget=QuestionChooserWidget)]

    class Meta(Orderable.Meta):
        verbose_name = _("question concernée")
        verbose_name_plural = _("questions concernées")
        constraints = [
            models.UniqueConstraint(fields=["page", "question"], name="affected_question_unique")
        ]


class QuestionRecheckQuerySet(models.QuerySet):
    def pending(self):
        """Still awaiting an expert's re-check, oldest first."""
        return self.filter(cleared_at__isnull=True).order_by("created_at", "pk")

    def cleared(self):
        return self.filter(cleared_at__isnull=False)


class QuestionRecheck(models.Model):
    """A thread marked "à revérifier" because a published regulatory update affects it.

    Cleared when an expert of the question's topics re-validates the answer against the update
    ("vérifié au regard de … le …"); the row stays as the record of that check.
    """

    question = models.ForeignKey(
        "qa.Question", verbose_name=_("question"), on_delete=models.CASCADE, related_name="rechecks"
    )
    update = models.ForeignKey(
        RegulatoryUpdatePage,
        verbose_name=_("texte de veille"),
        on_delete=models.CASCADE,
        related_name="rechecks",
    )
    created_at = models.DateTimeField(_("signalée le"), default=timezone.now, db_index=True)
    cleared_at = models.DateTimeField(_("revérifiée le"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revérifiée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note de vérification"), max_length=2000, blank=True)

    objects = QuestionRecheckQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("question à revérifier")
        verbose_name_plural = _("questions à revérifier")
        constraints = [
            models.UniqueConstraint(fields=["question", "update"], name="recheck_unique"),
            models.CheckConstraint(
                condition=Q(cleared_at__isnull=True) | Q(cleared_at__gte=models.F("created_at")),
                name="recheck_cleared_after_created",
            ),
        ]

    def __str__(self):
        return f"{self.question} ← {self.update}"

    @property
    def is_pending(self):
        return self.cleared_at is None


# --- Resource centre ------------------------------------------------------------------------


class ResourceIndexPage(Page):
    """`/ressources/`: resource pages (model deliberations, conventions, guides) by topic."""

    introduction = SafeRichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    parent_page_types = ["pages.HomePage"]
    subpage_types = ["pages.ResourcePage"]
    max_count = 1

    class Meta:
        verbose_name = _("centre de ressources")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sections"] = self.sections()
        return context

    def sections(self) -> list[dict]:
        """The published resource pages under this page, grouped by topic."""
        pages = (
            ResourcePage.objects.live()
            .public()
            .child_of(self)
            .select_related("topic")
            .prefetch_related("documents__document")
            .order_by("topic__name", "title")
        )
        sections: dict = {}
        for page in pages:
            sections.setdefault(page.topic, []).append(page)
        return [{"topic": topic, "pages": pages} for topic, pages in sections.items()]


class ResourcePage(LinksDocuments, Page):
    """A set of documents on one topic; documents of the private collection are members-only."""

    topic = models.ForeignKey(
        "taxonomy.Topic",
        verbose_name=_("sujet"),
        on_delete=models.PROTECT,
        related_name="resource_pages",
    )
    introduction = SafeRichTextField(_("présentation"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("topic"),
        FieldPanel("introduction"),
        InlinePanel("documents", heading=_("Documents"), label=_("document")),
    ]
    search_fields = [*Page.search_fields, index.SearchField("introduction")]
    parent_page_types = ["pages.ResourceIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("page de ressources")
        verbose_name_plural = _("pages de ressources")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["documents"] = list(
            self.documents.select_related("document").order_by("sort_order")
        )
        context["restricted_collection_ids"] = restricted_collection_ids()
        return context


class LinkedDocument(Orderable):
    """A Wagtail document listed on a page, with a line saying what it is (`LinksDocuments`)."""

    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    description = models.CharField(_("description"), max_length=255, blank=True)

    panels = [FieldPanel("document"), FieldPanel("description")]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = _("document")
        verbose_name_plural = _("documents")


class ResourceDocument(LinkedDocument):
    """A document of a resource page."""

    page = ParentalKey(ResourcePage, on_delete=models.CASCADE, related_name="documents")

    class Meta(LinkedDocument.Meta):
        abstract = False


class RegulatoryDocument(LinkedDocument):
    """A resource document a regulatory update links (the official text, a model deliberation)."""

    page = ParentalKey(RegulatoryUpdatePage, on_delete=models.CASCADE, related_name="documents")

    class Meta(LinkedDocument.Meta):
        abstract = False


class DocumentText(models.Model):
    """The text of a Wagtail document, for search (`services.document_text_extract`, read with
    `qa.extraction` as the attachments are). Read again when the file changes (`file_hash`)."""

    document = models.OneToOneField(
        "wagtaildocs.Document",
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_text",
    )
    text = models.TextField(_("texte extrait"), blank=True)
    file_hash = models.CharField(_("empreinte du fichier lu"), max_length=40, blank=True)
    extracted_at = models.DateTimeField(_("lu le"), default=timezone.now)

    class Meta:
        verbose_name = _("texte d'un document")
        verbose_name_plural = _("textes des documents")

    def __str__(self):
        return str(self.document)


# --- Editorial workflow ---------------------------------------------------------------------


class SecondEditorApprovalTask(AbstractGroupApprovalTask):
    """Group approval by someone who took no part in the changes: neither the person who
    submitted the page nor anyone who wrote one of its revisions since it was last published
    (otherwise an editor could edit a colleague's submission and approve their own text)."""

    @staticmethod
    def _contributed(obj, user) -> bool:
        state = getattr(obj, "current_workflow_state", None)
        if state is not None and state.requested_by_id == user.pk:
            return True
        changes = obj.revisions.filter(user_id=user.pk)
        if obj.last_published_at:
            changes = changes.filter(created_at__gt=obj.last_published_at)
        return changes.exists()

    def get_actions(self, obj, user):
        if self._contributed(obj, user):
            return []
        return super().get_actions(obj, user)

    def on_action(self, task_state, user, action_name, **kwargs):
        if action_name == "approve" and self._contributed(
            task_state.workflow_state.content_object, user
        ):
            raise PermissionDenied(
                _("Une autre personne de l'équipe éditoriale doit approuver votre page.")
            )
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        states = super().get_task_states_user_can_moderate(user, **kwargs)
        return states.exclude(workflow_state__requested_by=user)

    @classmethod
    def get_description(cls):
        return _(
            "Les membres des groupes choisis approuvent ; ni la personne qui a soumis la page "
            "ni celles qui l'ont modifiée depuis sa dernière publication ne peuvent l'approuver."
        )

    class Meta:
        verbose_name = _("approbation par un second éditeur")
        verbose_name_plural = _("approbations par un second éditeur")

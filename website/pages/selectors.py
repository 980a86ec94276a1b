"""Reads of the CMS layer: the member dashboard, FAQ sections, the regulatory watch, rechecks.

Every function runs a fixed number of queries whatever the amount of data (tests bound them).
"""

import datetime
import re
from dataclasses import dataclass, field

from django import forms
from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from wagtail.models import CollectionViewRestriction

from directory.models import Person, Position, TopicInterest
from directory.roles import is_member
from qa import selectors as qa_selectors
from qa.models import FaqPromotion, Question
from taxonomy.models import Topic
from website.pages.models import (
    FaqEntry,
    QuestionRecheck,
    RegulatoryKind,
    RegulatoryUpdatePage,
    ResourcePage,
)
from website.pages.permissions import can_view_page
from website.search import service as search_service
from website.search.analysis import FRENCH_STOP_WORDS

DASHBOARD_LIMIT = 5
UPDATES_PER_PAGE = 20


def latest_updates(limit=DASHBOARD_LIMIT):
    return list(
        RegulatoryUpdatePage.objects.live()
        .public()
        .order_by("-publication_date", "-pk")
        .prefetch_related("topics")[:limit]
    )


def _agenda():
    if not apps.is_installed("qa.agenda"):
        return None, []
    from qa.agenda.selectors import next_meeting, top_proposals

    return next_meeting(), top_proposals(3)


def home_dashboard_for(user) -> dict:
    """What the home page shows: for a member their dashboard, for a visitor public news."""
    if not is_member(user):
        return {"updates": latest_updates(3)}
    # The member's directory entry first: the reads below then filter on plain columns.
    person_id = Person.objects.filter(user=user).values_list("pk", flat=True).first()
    interest_ids, structure_ids = [], []
    if person_id is not None:
        interest_ids = list(
            TopicInterest.objects.filter(person_id=person_id).values_list("topic_id", flat=True)
        )
        positions = Position.objects.current().filter(person_id=person_id)
        structure_ids = list(positions.values_list("structure_id", flat=True))
    threads = Question.objects.alive().select_related("author_structure")

    unanswered = []
    if interest_ids:
        unanswered = list(
            threads.open()
            .unanswered()
            .filter(
                pk__in=Question.objects.filter(topics__in=interest_ids).values("pk"),
            )
            .order_by("-created_at")[:DASHBOARD_LIMIT]
        )
    addressed = qa_selectors.addressed_to(
        person_id=person_id, structure_ids=structure_ids, limit=DASHBOARD_LIMIT
    )
    rechecks = []
    if interest_ids:  # a recognised expertise is one of the person's topics
        expertise = TopicInterest.objects.recognised().filter(person_id=person_id)
        rechecks = list(
            QuestionRecheck.objects.pending()
            .filter(
                question__deleted_at__isnull=True,
                question__in=Question.objects.filter(
                    topics__in=expertise.values("topic_id")
                ).values("pk"),
            )
            .select_related("question", "update")[:DASHBOARD_LIMIT]
        )
    meeting, proposals = _agenda()
    return {
        "unanswered": unanswered,
        "addressed": addressed,
        "rechecks": rechecks,
        "updates": latest_updates(),
        "meeting": meeting,
        "proposals": proposals,
        "recent": list(threads.order_by("-last_activity_at")[:DASHBOARD_LIMIT]),
        "has_topics": bool(interest_ids),
    }


# --- FAQ ------------------------------------------------------------------------------------


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
    recheck: QuestionRecheck | None = None


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
    entries = FaqEntry.objects.filter(page=page).select_related("topic").order_by("sort_order")
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


class RegulatoryFilterForm(forms.Form):
    """Filters of `/veille/`; an invalid value is ignored rather than an error."""

    sujet = forms.ModelChoiceField(
        label=_("Sujet"),
        queryset=Topic.objects.active(),
        to_field_name="slug",
        required=False,
        empty_label=_("Tous les sujets"),
    )
    annee = forms.TypedChoiceField(label=_("Année"), coerce=int, required=False)
    type = forms.ChoiceField(label=_("Type de texte"), required=False)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee"].choices = [("", _("Toutes les années"))] + [
            (year, year) for year in years
        ]
        self.fields["type"].choices = [("", _("Tous les types")), *RegulatoryKind.choices]


def regulatory_updates_filtered(index_page, params) -> dict:
    updates = (
        RegulatoryUpdatePage.objects.live()
        .public()
        .child_of(index_page)
        .prefetch_related("topics")
        .order_by("-publication_date", "-pk")
    )
    years = sorted(
        {d.year for d in updates.values_list("publication_date", flat=True)}, reverse=True
    )
    form = RegulatoryFilterForm(params or None, years=years)
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


def suggested_questions_for(update, limit=10, *, user=None) -> list:
    """Threads the update may make stale, not yet chosen as affected.

    First those the search index finds close to the update's title and summary (among what
    `user`, the editor, may see), then the newest threads on its topics.
    """
    chosen = {link.question_id for link in update.affected_questions.all() if link.question_id}
    found = []
    if user is not None and update.title:
        # Only the meaningful words: a search query keeps its first dozen words.
        words = re.findall(r"\w+", f"{update.title} {update.summary or ''}")
        text = " ".join(
            dict.fromkeys(w for w in words if len(w) > 2 and w.lower() not in FRENCH_STOP_WORDS)
        )
        found = [
            question
            for question in search_service.similar_questions_for(user, text, limit=limit)
            if question.pk not in chosen
        ]
    topic_ids = [topic.pk for topic in update.topics.all()]
    if topic_ids and len(found) < limit:
        found += (
            Question.objects.alive()
            .filter(pk__in=Question.objects.filter(topics__in=topic_ids).values("pk"))
            .exclude(pk__in=chosen | {question.pk for question in found})
            .order_by("-created_at")[: limit - len(found)]
        )
    return found


def affected_questions_of(update) -> list:
    return list(
        Question.objects.alive()
        .filter(regulatory_links__page=update)
        .prefetch_related(
            Prefetch(
                "rechecks",
                queryset=QuestionRecheck.objects.filter(update=update),
                to_attr="rechecks_for_update",
            )
        )
        .order_by("title")
    )


# --- Re-checks ------------------------------------------------------------------------------


def pending_rechecks():
    """Every thread awaiting re-check, oldest first (moderators' list)."""
    return (
        QuestionRecheck.objects.pending()
        .filter(question__deleted_at__isnull=True)
        .select_related("question", "update")
        .prefetch_related("question__topics")
    )


def rechecks_for_question(question, user) -> dict:
    """The banner data of a thread: pending rechecks and the latest completed check, of the
    regulatory updates this user may view (the banner names the update)."""
    rows = list(
        QuestionRecheck.objects.filter(question=question)
        .select_related("update", "cleared_by")
        .order_by("created_at", "pk")
    )
    visible = {pk: can_view_page(user, update) for pk, update in _updates(rows).items()}
    rows = [row for row in rows if visible[row.update_id]]
    pending = [row for row in rows if row.cleared_at is None]
    cleared = sorted(
        (row for row in rows if row.cleared_at is not None), key=lambda r: r.cleared_at
    )
    return {"pending": pending, "last_cleared": cleared[-1] if cleared else None}


def _updates(rows) -> dict:
    return {row.update_id: row.update for row in rows}


# --- Resource centre ------------------------------------------------------------------------


def resource_sections(index_page) -> list[dict]:
    pages = (
        ResourcePage.objects.live()
        .public()
        .child_of(index_page)
        .select_related("topic")
        .prefetch_related("documents__document")
        .order_by("topic__name", "title")
    )
    sections: dict = {}
    for page in pages:
        sections.setdefault(page.topic, []).append(page)
    return [{"topic": topic, "pages": pages} for topic, pages in sections.items()]


def restricted_collection_ids() -> set[int]:
    """Collections under a view restriction (with their sub-collections): members-only files."""
    ids: set[int] = set()
    for restriction in CollectionViewRestriction.objects.select_related("collection"):
        ids.update(
            restriction.collection.get_descendants(inclusive=True).values_list("pk", flat=True)
        )
    return ids

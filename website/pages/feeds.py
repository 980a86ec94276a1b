"""Atom feeds under `/flux/`.

- `/flux/veille/` and `/flux/veille/<sujet>/`: the regulatory watch. Its pages are public CMS
  pages, so these feeds are public; pages under a view restriction are left out.
- `/flux/questions/`, `/flux/questions/<sujet>/`: new questions (all, or of a topic);
  `/flux/fils/<id>/`: a thread's new answers. Q&A is members-only unless
  `PUBLIC_READ` is on, so without it these feeds need the member's personal token
  (`?jeton=…`, shown on `/flux/`: the notification feed's token), which stops working when the
  account is deactivated, when the member renews it, or after `FEED_TOKEN_MAX_IDLE_DAYS` unused.
"""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from directory.roles import is_member
from qa.agenda import ical
from qa.agenda.permissions import can_view_agenda
from qa.attachments import count_label
from qa.extensions import FeedLink
from qa.models import Answer, Question
from qa.permissions import can_view_question
from taxonomy.models import Topic
from website.feedgenerator import XmlSafeAtom1Feed
from website.pages import feed_tokens
from website.pages.models import RegulatoryUpdatePage
from website.pages.permissions import can_read_questions_feed

FEED_ITEMS = 30
# The files a post has now (not those an edit removed, `qa.models.Attachment.removed_at`).
CURRENT_FILES = Count("attachments", filter=Q(attachments__removed_at__isnull=True))
SAFE = ("GET", "HEAD")


def user_from_feed_token(token: str | None):
    """The member whose personal feed token this is: the notification feed's token, renewed
    from the preferences page, expired after `FEED_TOKEN_MAX_IDLE_DAYS` unused."""
    return feed_tokens.feed_reader(token)


def _as_datetime(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


class RegulatoryFeed(Feed):
    feed_type = XmlSafeAtom1Feed

    def get_object(self, request, topic=None):
        if topic is None:
            return None
        return get_object_or_404(Topic.objects.active(), slug=topic)

    def title(self, obj):
        if obj is None:
            return _("Entraide — veille réglementaire")
        return _("Entraide — veille réglementaire : %(topic)s") % {"topic": obj.name}

    def link(self, obj):
        return "/veille/" + (f"?sujet={obj.slug}" if obj else "")

    def subtitle(self, obj):
        return _("Les nouveaux textes qui concernent les collectivités du Pays A3V.")

    def items(self, obj):
        updates = RegulatoryUpdatePage.objects.live().public().prefetch_related("topics")
        if obj is not None:
            updates = updates.filter(
                pk__in=RegulatoryUpdatePage.topics.through.objects.filter(topic=obj).values(
                    "regulatoryupdatepage_id"
                )
            )
        return updates.order_by("-publication_date", "-pk")[:FEED_ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Plain text in Atom's `type="html"` summary: escaped, so that readers show it as typed.
        return escape(f"{item.official_reference} — {item.summary}")

    def item_link(self, item):
        return item.url

    def item_pubdate(self, item):
        return _as_datetime(item.publication_date)

    def item_updateddate(self, item):
        return item.last_published_at or _as_datetime(item.publication_date)

    def item_categories(self, item):
        return [topic.name for topic in item.topics.all()]


class _QuestionsFeed(Feed):
    """A feed of Q&A content: public when the site opens reading, else the reader's personal
    token (`?jeton=`) or their session opens it. A response opened by a token stays out of
    shared caches (its address is a secret)."""

    feed_type = XmlSafeAtom1Feed

    def __call__(self, request, *args, **kwargs):
        token_reader = user_from_feed_token(request.GET.get("jeton"))
        request.feed_reader = token_reader or request.user
        if not can_read_questions_feed(request.feed_reader):
            raise PermissionDenied(
                _(
                    "Ce flux est réservé aux membres : utilisez le lien personnel de la page "
                    "Flux (un lien renouvelé ou inutilisé depuis longtemps ne fonctionne plus)."
                )
            )
        response = super().__call__(request, *args, **kwargs)
        if token_reader is not None:
            response["Cache-Control"] = "private, no-store"
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        text = Truncator(strip_tags(item.body_html)).chars(400)
        files = count_label(item.attachment_count)
        return f"{text} — {files}" if files else text

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.created_at


class AllQuestionsFeed(_QuestionsFeed):
    """`/flux/questions/`: the newest questions and discussions, every topic."""

    def title(self, obj):
        return _("Entraide — nouvelles questions")

    def link(self, obj):
        return reverse("qa:question_list")

    def items(self, obj):
        return (
            Question.objects.alive()
            .annotate(attachment_count=CURRENT_FILES)
            .order_by("-created_at", "-pk")[:FEED_ITEMS]
        )


class TopicQuestionsFeed(_QuestionsFeed):
    def get_object(self, request, topic):
        return get_object_or_404(Topic.objects.active(), slug=topic)

    def title(self, obj):
        return _("Entraide — nouvelles questions : %(topic)s") % {"topic": obj.name}

    def link(self, obj):
        return obj.get_absolute_url()

    def items(self, obj):
        return (
            Question.objects.alive()
            .filter(pk__in=Question.objects.filter(topics=obj).values("pk"))
            .annotate(attachment_count=CURRENT_FILES)
            .order_by("-created_at")[:FEED_ITEMS]
        )


class ThreadFeed(_QuestionsFeed):
    """`/flux/fils/<id>/`: a thread's newest answers. Only for a reader who may view the
    thread; a deleted thread, or one the reader may not see, answers like an unknown id."""

    def get_object(self, request, pk):
        question = Question.objects.alive().filter(pk=pk).first()
        if question is None or not can_view_question(request.feed_reader, question):
            raise Http404
        return question

    def title(self, obj):
        return _("Entraide — réponses à « %(title)s »") % {"title": obj.title}

    def link(self, obj):
        return obj.get_absolute_url()

    def items(self, obj):
        return (
            Answer.objects.alive()
            .filter(question=obj)
            .select_related("question")
            .annotate(attachment_count=CURRENT_FILES)
            .order_by("-created_at", "-pk")[:FEED_ITEMS]
        )

    def item_title(self, item):
        return _("Réponse du %(date)s") % {
            "date": date_format(timezone.localtime(item.created_at), "DATETIME_FORMAT")
        }


def feed_link(request, *, topic=None, question=None) -> FeedLink:
    """The questions feed a Q&A page offers (`qa.extensions.feed_link`): of the topic, of the
    thread, or of all questions. When Q&A is members-only, a member's link carries their
    personal token (made on a first GET, as on `/flux/`; a page rendered for another method,
    such as a form sent back with its errors, writes nothing for it and shows the plain
    address), so that a feed reader opens it; an expired token is left out (the feeds page
    says how to renew it)."""
    if topic is not None:
        url = reverse("pages:questions_feed", args=[topic.slug])
        title = _("Questions du sujet « %(topic)s » (Atom)") % {"topic": topic.name}
        label = _("Flux Atom des questions de ce sujet")
    elif question is not None:
        url = reverse("pages:thread_feed", args=[question.pk])
        title = _("Réponses à ce fil (Atom)")
        label = _("Flux Atom des réponses à ce fil")
    else:
        url = reverse("pages:all_questions_feed")
        title = _("Nouvelles questions (Atom)")
        label = _("Flux Atom des nouvelles questions")
    if not settings.PUBLIC_READ and is_member(request.user) and request.method in SAFE:
        token = feed_tokens.feed_token_for(request.user)
        if token is not None and not token.is_expired():
            url = f"{url}?{urlencode({'jeton': token.token})}"
    return FeedLink(url=url, title=title, label=label)


# --- The agenda's meetings ------------------------------------------------------------------


def _agenda_reader(request):
    """Who reads a meetings feed: the personal token's member, else the session's user;
    refused as the questions feeds are when neither may read the agenda."""
    token_reader = user_from_feed_token(request.GET.get("jeton"))
    reader = token_reader or request.user
    if not can_view_agenda(reader):
        raise PermissionDenied(
            _(
                "Ce flux est réservé aux membres : utilisez le lien personnel de la page "
                "Flux (un lien renouvelé ou inutilisé depuis longtemps ne fonctionne plus)."
            )
        )
    return token_reader


def _private(response, token_reader):
    if token_reader is not None:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


class MeetingsFeed(Feed):
    """`/flux/reunions/`: the agenda's meetings, newest announced first (cancelled ones
    say so in their title)."""

    feed_type = XmlSafeAtom1Feed

    def __call__(self, request, *args, **kwargs):
        token_reader = _agenda_reader(request)
        return _private(super().__call__(request, *args, **kwargs), token_reader)

    def title(self, obj):
        return _("Entraide — réunions de l'ordre du jour")

    def link(self, obj):
        return reverse("agenda:index")

    def items(self, obj):
        return ical.calendar_meetings().order_by("-created_at", "-pk")[:FEED_ITEMS]

    def item_title(self, item):
        when = date_format(timezone.localtime(item.starts_at), "DATETIME_FORMAT")
        if item.is_cancelled:
            return _("Annulée : %(title)s (%(date)s)") % {"title": item.title, "date": when}
        return f"{item.title} ({when})"

    def item_description(self, item):
        parts = [item.structure.name if item.structure_id else "", item.place, item.description]
        return " — ".join(part for part in parts if part)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.cancelled_at or item.updated_at or item.created_at


def meetings_calendar(request):
    """`/flux/reunions.ics`: the iCalendar subscription of the agenda's meetings (the last 90
    days and those to come; cancelled ones marked cancelled)."""
    token_reader = _agenda_reader(request)
    body = ical.calendar(
        ical.calendar_meetings(),
        base_url=request.build_absolute_uri("/").rstrip("/"),
        host=request.get_host().split(":")[0],
        name=_("Entraide — réunions"),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="reunions.ics"'
    return _private(response, token_reader)


def meeting_feed_links(request) -> list[FeedLink]:
    """The agenda's subscriptions (`qa.extensions.meeting_feed_links`), with the member's
    personal token when the agenda is members-only (as `feed_link`)."""
    suffix = ""
    if not settings.PUBLIC_READ and is_member(request.user) and request.method in SAFE:
        token = feed_tokens.feed_token_for(request.user)
        if token is not None and not token.is_expired():
            suffix = f"?{urlencode({'jeton': token.token})}"
    return [
        FeedLink(
            url=reverse("pages:meetings_calendar") + suffix,
            title=_("Réunions (iCalendar)"),
            label=_("S'abonner au calendrier des réunions (iCalendar)"),
        ),
        FeedLink(
            url=reverse("pages:meetings_feed") + suffix,
            title=_("Réunions (Atom)"),
            label=_("Flux Atom des réunions"),
        ),
    ]

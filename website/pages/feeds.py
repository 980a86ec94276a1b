"""Atom feeds under `/flux/`.

- `/flux/veille/` and `/flux/veille/<sujet>/`: the regulatory watch. Its pages are public CMS
  pages, so these feeds are public; pages under a view restriction are left out.
- `/flux/questions/<sujet>/`: new questions of a topic. Q&A is members-only unless
  `PUBLIC_READ` is on, so without it the feed needs the member's personal token
  (`?jeton=…`, shown on `/flux/`: the notification feed's token), which stops working when the
  account is deactivated, when the member renews it, or after `FEED_TOKEN_MAX_IDLE_DAYS` unused.
"""

import datetime

from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.html import escape, strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from taxonomy.models import Topic
from website.feedgenerator import XmlSafeAtom1Feed
from website.pages import feed_tokens
from website.pages.models import RegulatoryUpdatePage
from website.pages.permissions import can_read_questions_feed

FEED_ITEMS = 30


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


class TopicQuestionsFeed(Feed):
    feed_type = XmlSafeAtom1Feed

    def __call__(self, request, *args, **kwargs):
        reader = user_from_feed_token(request.GET.get("jeton")) or request.user
        if not can_read_questions_feed(reader):
            raise PermissionDenied(
                _(
                    "Ce flux est réservé aux membres : utilisez le lien personnel de la page "
                    "Flux (un lien renouvelé ou inutilisé depuis longtemps ne fonctionne plus)."
                )
            )
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, topic):
        return get_object_or_404(Topic.objects.active(), slug=topic)

    def title(self, obj):
        return _("Entraide — nouvelles questions : %(topic)s") % {"topic": obj.name}

    def link(self, obj):
        return obj.get_absolute_url()

    def items(self, obj):
        from qa.models import Question

        return (
            Question.objects.alive()
            .filter(pk__in=Question.objects.filter(topics=obj).values("pk"))
            .order_by("-created_at")[:FEED_ITEMS]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return Truncator(strip_tags(item.body_html)).chars(400)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.created_at

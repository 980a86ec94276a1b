"""A member's notifications as an Atom feed, behind a secret token URL (no login)."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.html import escape
from django.utils.translation import gettext as _

from website.feedgenerator import XmlSafeAtom1Feed
from website.notifications import services
from website.notifications.emails import absolute_url
from website.notifications.selectors import notification_list_for

FEED_SIZE = 50


class NotificationFeed(Feed):
    feed_type = XmlSafeAtom1Feed

    def get_object(self, request, token):
        user = services.feed_reader(token=token)
        if user is None:
            raise Http404(_("Ce flux n'existe pas, son adresse a été renouvelée ou a expiré."))
        return user

    def title(self, user):
        return _("Mes notifications Entraide")

    def subtitle(self, user):
        return _("Les dernières notifications de votre compte Entraide.")

    def link(self, user):
        return absolute_url("/notifications/")

    def feed_url(self, user):
        return None

    def items(self, user):
        return notification_list_for(user)[:FEED_SIZE]

    def item_title(self, notification):
        return f"{notification.headline} : {notification.shown_title}"

    def item_description(self, notification):
        # Atom's <summary> is declared `type="html"`: the plain-text excerpt (raw Markdown of
        # a post) must be escaped, or a feed reader would render a member's HTML.
        return escape(notification.shown_excerpt)

    def item_link(self, notification):
        return absolute_url(notification.url)

    def item_guid(self, notification):
        return absolute_url(f"/notifications/#notification-{notification.pk}")

    item_guid_is_permalink = False

    def item_pubdate(self, notification):
        return notification.created_at

    def item_updateddate(self, notification):
        return notification.created_at

    def item_categories(self, notification):
        return [notification.topic.name] if notification.topic else []

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # The URL is a secret: keep it out of shared caches and search engines.
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

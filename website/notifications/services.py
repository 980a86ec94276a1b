"""Writes of the notification layer. Receivers, tasks, views and commands call these."""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from website.notifications import bounces, emails, replies
from website.notifications.kinds import DIGEST_FREQUENCIES, Frequency, Kind
from website.notifications.mail_files import attach_mail_files
from website.notifications.models import (
    DeliveryKind,
    DeliveryStatus,
    EmailDelivery,
    FeedToken,
    Notification,
    NotificationPreference,
    ReplyKey,
    new_feed_token,
    new_reply_secret,
)
from website.notifications.selectors import (
    can_receive_email,
    frequencies_for,
    preferences_for,
    reachable_users,
)
from website.notifications.tokens import ALL, unsubscribe_url

logger = logging.getLogger(__name__)


@dataclass
class Audience:
    """Who gets one kind of notification for an event; earlier audiences win on overlap."""

    kind: str
    user_ids: Iterable[int] = field(default_factory=list)


def _user_id(user) -> int | None:
    return getattr(user, "pk", user)


def notify(
    *,
    event_key: str,
    audiences: Sequence[Audience],
    title: str,
    url: str,
    actor=None,
    actor_name: str = "",
    excerpt: str = "",
    topic=None,
    target: Model | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Create the notifications of one event, with the outbox rows of the immediate e-mails.

    The returned notifications carry their outbox row (`email_delivery`); the fan-out task
    queues those sends (`tasks.queue_immediate_emails`).

    Never the actor; only reachable accounts (active, approved); one notification per member
    and event (a member in several audiences gets the first, most specific kind). Running it
    again for the same event creates and sends nothing new. The number of queries does not
    depend on the number of recipients, except one e-mail row per immediate recipient.
    """
    now = now or timezone.now()
    if actor is not None and not hasattr(actor, "pk"):
        actor = get_user_model().objects.filter(pk=actor).first()
    actor_id = _user_id(actor)
    kind_of: dict[int, str] = {}
    for audience in audiences:
        for user_id in audience.user_ids:
            user_id = _user_id(user_id)
            if user_id is not None and user_id != actor_id:
                kind_of.setdefault(user_id, audience.kind)
    if not kind_of:
        return []
    allowed = set(reachable_users().filter(pk__in=kind_of).values_list("pk", flat=True))
    target_type = ContentType.objects.get_for_model(target) if target is not None else None
    if not actor_name and actor is not None:
        actor_name = actor.get_full_name() or ""
    rows = [
        Notification(
            recipient_id=user_id,
            kind=kind,
            event_key=event_key[:120],
            actor_id=actor_id,
            actor_name=actor_name[:200],
            title=title[:300],
            excerpt=excerpt[:1000],
            url=url[:500],
            topic=topic,
            target_type=target_type,
            target_id=target.pk if target is not None else None,
            created_at=now,
        )
        for user_id, kind in kind_of.items()
        if user_id in allowed
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        created = list(
            Notification.objects.filter(
                event_key=event_key[:120],
                recipient_id__in=allowed,
                email_delivery__isnull=True,
                digest_delivery__isnull=True,
            )
            .select_related("recipient", "topic")
            .order_by("pk")
        )
        schedule_immediate_emails(notifications=created)
    return created


def schedule_immediate_emails(*, notifications: Sequence[Notification]) -> list[EmailDelivery]:
    """Outbox rows for the notifications whose recipients want this kind at once.

    Each row is attached to its notification (`notification.email_delivery`); the caller queues
    the sends (`tasks.queue_immediate_emails`), so this module never imports the tasks.
    """
    deliveries, wanted = [], []
    by_kind: dict[str, list[Notification]] = {}
    for notification in notifications:
        by_kind.setdefault(notification.kind, []).append(notification)
    for kind, group in by_kind.items():
        frequency = frequencies_for([n.recipient_id for n in group], kind)
        for notification in group:
            if frequency[notification.recipient_id] != Frequency.IMMEDIATELY:
                continue
            if not can_receive_email(notification.recipient):
                continue
            wanted.append(notification)
    attach_mail_files(wanted)  # the posts' files: one query for every e-mail
    for notification in wanted:
        deliveries.append(_immediate_delivery(notification))
    return deliveries


def _render_immediate(notification: Notification, unsubscribe: str, reply_to: str = ""):
    if not hasattr(notification, "mail_files"):  # read already for a whole fan-out
        attach_mail_files([notification])
    return emails.render_email(
        template="notification",
        subject=notification.title,
        context={
            "user": notification.recipient,
            "notification": notification,
            "link": emails.absolute_url(notification.url),
            "unsubscribe_url": unsubscribe,
            "kind_label": Kind(notification.kind).label,
            "preferences_url": emails.absolute_url("/compte/preferences/"),
            "reply_to": reply_to,
        },
    )


def _immediate_delivery(notification: Notification) -> EmailDelivery:
    user = notification.recipient
    unsubscribe = unsubscribe_url(user_id=user.pk, scope=f"kind:{notification.kind}")
    reply_to = replies.address_for_notification(notification)
    rendered = _render_immediate(notification, unsubscribe, reply_to)
    # The send is queued by `tasks.queue_immediate_emails` after the fan-out (this module
    # never imports the tasks), so the row alone, not `tasks.queue_once`.
    delivery, _created = emails.outbox_row(
        key=f"notification:{notification.pk}",
        recipient=user,
        rendered=rendered,
        unsubscribe_url=unsubscribe,
        reply_to=reply_to,
    )
    Notification.objects.filter(pk=notification.pk).update(email_delivery=delivery)
    notification.email_delivery = delivery
    return delivery


# --- Erasure of an account ---------------------------------------------------------------


ERASED_EMAIL_TEXT = gettext_lazy(
    "Le texte de cet e-mail a été effacé : il nommait un membre qui a effacé son compte."
)


@transaction.atomic
def actor_erase(*, user) -> int:
    """Erasure of an account (`directory.signals.account_erasing`, inside its transaction):
    other members' notifications stop naming it (« Un membre »), and so do the stored
    e-mails. An immediate e-mail not sent yet is rendered again without the name; a pending
    digest is withdrawn (its notifications go to the next one); the text of every e-mail
    already sent, failed or cancelled is erased. The account's own notifications and e-mails
    go too (they cascade when it is deleted; here also when it is only anonymised).
    Returns how many notifications were anonymised."""
    named = Notification.objects.filter(actor=user).exclude(recipient=user)
    ids = list(named.values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids).update(actor_name="")
    deliveries = EmailDelivery.objects.filter(
        Q(immediate_notifications__in=ids) | Q(digest_notifications__in=ids)
    ).distinct()
    pending = Q(status=DeliveryStatus.PENDING)
    for delivery in deliveries.filter(pending, kind=DeliveryKind.IMMEDIATE):
        notification = delivery.immediate_notifications.select_related("recipient").first()
        rendered = _render_immediate(notification, delivery.unsubscribe_url, delivery.reply_to)
        delivery.subject, delivery.body_text, delivery.body_html = (
            rendered.subject,
            rendered.text,
            rendered.html,
        )
        delivery.save(update_fields=["subject", "body_text", "body_html"])
    withdrawn = list(
        deliveries.filter(pending).exclude(kind=DeliveryKind.IMMEDIATE).values_list("pk", flat=True)
    )
    Notification.objects.filter(digest_delivery__in=withdrawn).update(digest_delivery=None)
    EmailDelivery.objects.filter(pk__in=withdrawn).update(
        status=DeliveryStatus.CANCELLED,
        next_attempt_at=None,
        last_error="Un membre nommé a effacé son compte : résumé annulé.",
    )
    text = str(ERASED_EMAIL_TEXT)
    EmailDelivery.objects.filter(pk__in=deliveries.values("pk")).exclude(
        pending, kind=DeliveryKind.IMMEDIATE
    ).update(body_text=text, body_html=text)
    EmailDelivery.objects.filter(recipient=user).delete()
    Notification.objects.filter(recipient=user).delete()
    return len(ids)


# --- The member's own actions --------------------------------------------------------------


def _forget_unread_count(user) -> None:
    """The request's user carries its unread count from the start of the request
    (website/auth_backends.py): a page rendered after marking reads it again."""
    if hasattr(user, "_unread_notifications"):
        del user._unread_notifications  # through the request's SimpleLazyObject too


def notification_mark_read(*, user, notification_id: int, also: Iterable[int] = ()) -> bool:
    """Mark one of the member's notifications read, with the others of its line in the centre
    (`also`: the answers collapsed with it). False when it is not theirs (or gone)."""
    mine = Notification.objects.for_user(user)
    if not mine.filter(pk=notification_id).exists():
        return False
    mine.unread().filter(pk__in=[notification_id, *also]).update(read_at=timezone.now())
    _forget_unread_count(user)
    return True


def notification_open(*, user, notification_id: int) -> str | None:
    """The member opens a notification: it is read, and so is every unread notification of
    theirs pointing into the same page (the other answers and comments of that thread), since
    they are all in front of them now. Returns the address to go to; None when the notification
    is not theirs (or gone). Two queries, and none on the pages themselves."""
    notification = Notification.objects.for_user(user).filter(pk=notification_id).first()
    if notification is None:
        return None
    link, page = notification.link, notification.page
    if link.split("#", 1)[0] == page:
        same_page = Q(url=page) | Q(url__startswith=f"{page}#")
    else:  # a thread, under any of its slugs
        same_page = Q(url__startswith=page)
    Notification.objects.for_user(user).unread().filter(Q(pk=notification.pk) | same_page).update(
        read_at=timezone.now()
    )
    _forget_unread_count(user)
    return link


def notifications_mark_all_read(*, user) -> int:
    count = Notification.objects.for_user(user).unread().update(read_at=timezone.now())
    _forget_unread_count(user)
    return count


@transaction.atomic
def preferences_set(*, user, frequencies: dict[str, str]) -> None:
    """Save the member's e-mail frequency per kind (unknown kinds or values are refused)."""
    for kind, frequency in frequencies.items():
        if kind not in Kind.values or frequency not in Frequency.values:
            raise ValueError(f"Invalid preference {kind!r}={frequency!r}")
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"frequency": frequency}
        )


@transaction.atomic
def unsubscribe(*, user, scope: str) -> list[str]:
    """Stop the e-mails a signed link names; returns the kinds switched to "never"."""
    current = preferences_for(user)
    if scope == ALL:
        kinds = list(current)
    elif scope.startswith("kind:"):
        kinds = [scope.removeprefix("kind:")]
    else:
        frequency = scope.removeprefix("digest:")
        if frequency not in DIGEST_FREQUENCIES:
            raise ValueError(f"Unknown scope {scope!r}")
        kinds = [kind for kind, value in current.items() if value == frequency]
    preferences_set(user=user, frequencies=dict.fromkeys(kinds, Frequency.NEVER))
    # Whatever of those kinds still waits for a digest will not be e-mailed either.
    return kinds


def feed_token_for(*, user) -> FeedToken:
    """The member's feed token, made on first use (every Q&A page a member opens shows it).

    One that expired without any feed reader ever using it is renewed: nothing subscribed to
    it, so a fresh secret breaks nothing, where keeping it would leave the member with dead
    links they never had. A token a reader did use keeps its expiry.
    """
    # Read with the request's user (website/auth_backends.py), boxed: `(None,)` is no token.
    known = getattr(user, "_feed_token", (None,))[0]
    if known is not None:
        token, created = known, False
    else:
        token, created = FeedToken.objects.get_or_create(user=user)
        _forget_feed_token(user)
    if not created and token.last_used_at is None and token.is_expired():
        token.token = new_feed_token()
        token.save(update_fields=["token", "created_at"])
    return token


def _forget_feed_token(user) -> None:
    if hasattr(user, "_feed_token"):
        del user._feed_token


def feed_token_regenerate(*, user) -> FeedToken:
    """A new secret feed URL; the old one stops working at once."""
    _forget_feed_token(user)
    token, created = FeedToken.objects.get_or_create(user=user)
    if not created:
        token.token = new_feed_token()
        token.last_used_at = None
        token.save(update_fields=["token", "created_at", "last_used_at"])
    return token


# A feed reader polls every few minutes: one write an hour is enough to measure idleness.
FEED_USE_RECORDED_EVERY = timedelta(hours=1)


def feed_reader(*, token: str | None):
    """The approved, active member whose live feed token this is, or None.

    An expired token (unused for `FEED_TOKEN_MAX_IDLE_DAYS`) opens nothing; a good one records
    its use, which keeps it alive.
    """
    if not token:
        return None
    feed_token = (
        FeedToken.objects.select_related("user")
        .filter(token=token, user__is_active=True, user__approved_at__isnull=False)
        .first()
    )
    now = timezone.now()
    if feed_token is None or feed_token.is_expired(now):
        return None
    if feed_token.last_used_at is None or now - feed_token.last_used_at > FEED_USE_RECORDED_EVERY:
        FeedToken.objects.filter(pk=feed_token.pk).update(last_used_at=now)
    return feed_token.user


def emails_resume(*, user) -> bool:
    """The member resumes their e-mails paused after repeated bounces (bounces.py)."""
    return bounces.emails_resume(user=user)


def reply_addresses_revoke(*, user) -> None:
    """Every reply address given to `user` so far, and their address to ask by e-mail, stop
    working (the preferences page, a password change or reset, a change of e-mail address)."""
    ReplyKey.objects.update_or_create(user=user, defaults={"secret": new_reply_secret()})


def reply_addresses_revoke_on_account_change(sender, request, user, **kwargs):
    """Receiver of allauth's password and e-mail signals (connected in `apps`): whoever read
    the member's mail or knew the old password may hold their addresses."""
    reply_addresses_revoke(user=user)


def ask_confirmation_set(*, user, skip: bool) -> None:
    """Whether questions the member sends to their `q+` address are published at once."""
    ReplyKey.objects.update_or_create(user=user, defaults={"ask_without_confirmation": skip})

"""Reads of the notification layer: who may receive what, preferences, the centre's list."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from website.notifications.kinds import DEFAULT_FREQUENCY, Frequency, Kind
from website.notifications.models import (
    EmailPause,
    InboundMail,
    InboundStatus,
    Notification,
    NotificationPreference,
)


def reachable_users() -> QuerySet:
    """Accounts that may be notified: active and approved (never pending, inactive or erased)."""
    return get_user_model().objects.filter(is_active=True, approved_at__isnull=False)


def can_receive_email(user) -> bool:
    """Pending, inactive and erased accounts get no e-mail (an erased one has no address)."""
    return bool(
        user.is_active
        and user.approved_at is not None
        and user.email
        and not getattr(user, "erased_at", None)
    )


def email_pause_for(user) -> EmailPause | None:
    """The pause of the member's e-mails after repeated bounces, if any (bounces.py)."""
    return EmailPause.objects.filter(user=user).first()


def preferences_for(user) -> dict[str, str]:
    """Every kind with the member's e-mail frequency (their choice, else the default)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "frequency"))
    return {kind: chosen.get(kind, DEFAULT_FREQUENCY[kind]) for kind in Kind.values}


def frequencies_for(users: Iterable, kind: str) -> dict[int, str]:
    """user id → frequency for one kind, in one query whatever the number of users."""
    user_ids = [getattr(user, "pk", user) for user in users]
    default = DEFAULT_FREQUENCY[Kind(kind)]
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list(
            "user_id", "frequency"
        )
    )
    return {user_id: chosen.get(user_id, default) for user_id in user_ids}


def unread_count(user) -> int:
    """Read with the request's user when it came from the session (website/auth_backends.py);
    the services that mark notifications read forget that figure on the user object."""
    known = getattr(user, "_unread_notifications", None)
    if known is not None:
        return known
    return Notification.objects.for_user(user).unread().count()


def notification_list_for(user) -> QuerySet:
    """The member's notifications, newest first, with what the centre displays."""
    return Notification.objects.for_user(user).select_related("topic")


@dataclass
class AnswerLine:
    """Several answers to one thread, shown as one line of the centre (« 3 nouvelles réponses
    à … »). It answers the template like the newest of its notifications."""

    notifications: list  # newest first

    grouped = True

    def __getattr__(self, name):
        if name.startswith("__") or name == "notifications":
            raise AttributeError(name)
        return getattr(self.notifications[0], name)

    @property
    def count(self) -> int:
        return len(self.notifications)

    @property
    def ids(self) -> list[int]:
        return [notification.pk for notification in self.notifications]

    @property
    def actor_names(self) -> list[str]:
        """Who answered, oldest first, each once."""
        names = [n.actor_name for n in reversed(self.notifications) if n.actor_name]
        return list(dict.fromkeys(names))


def collapse_answers(notifications: Iterable[Notification]) -> list:
    """The centre's lines: the answer notifications about one thread, read or unread alike,
    become one `AnswerLine` at the place of the newest; any other notification is a line of
    its own. In Python, on the page already loaded: no query."""
    lines: list = []
    groups: dict[tuple[str, bool], AnswerLine] = {}
    for notification in notifications:
        if notification.kind != Kind.ANSWER:
            lines.append(notification)
            continue
        key = (notification.page, notification.is_read)
        if key in groups:
            groups[key].notifications.append(notification)
            continue
        groups[key] = AnswerLine([notification])
        lines.append(groups[key])
    return [
        line.notifications[0] if isinstance(line, AnswerLine) and line.count == 1 else line
        for line in lines
    ]


def wants_email(frequency: str) -> bool:
    return frequency != Frequency.NEVER


INBOUND_QUEUE_SIZE = 100


def inbound_queue() -> list:
    """The moderators' « courriels non traités »: refused or failed, newest first (one query)."""
    return list(
        InboundMail.objects.filter(status__in=[InboundStatus.REFUSED, InboundStatus.FAILED])
        .select_related("user")
        .defer("raw")[:INBOUND_QUEUE_SIZE]
    )


def inbound_from_mismatch() -> list:
    """Replies published whose From was not an address of the account (shared mailboxes)."""
    return list(
        InboundMail.objects.filter(status=InboundStatus.POSTED, from_mismatch=True)
        .select_related("user")
        .defer("raw")[:INBOUND_QUEUE_SIZE]
    )

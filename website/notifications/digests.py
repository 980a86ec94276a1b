"""Daily and weekly digests: one e-mail per member and period, grouped by topic.

Idempotent by construction: each digest is an outbox row keyed by (frequency, period, member),
and the notifications it carries are stamped with it, so a second run in the same period (or
after a crash) finds nothing left to send and creates nothing.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from website.notifications import emails, replies, tasks
from website.notifications.expertise import unanswered_in_expertise
from website.notifications.kinds import DEFAULT_FREQUENCY, DIGEST_FREQUENCIES, Frequency, Kind
from website.notifications.mail_files import attach_mail_files
from website.notifications.models import (
    DeliveryKind,
    EmailDelivery,
    Notification,
    NotificationPreference,
)
from website.notifications.selectors import reachable_users
from website.notifications.tokens import unsubscribe_url

logger = logging.getLogger(__name__)

# A notification older than this is not worth an e-mail any more (it stays in the centre).
MAX_AGE = timedelta(days=35)
MAX_UNANSWERED = 10
# Questions older than this are no longer offered to experts in digests.
UNANSWERED_WINDOW = timedelta(days=30)


def period_key(frequency: str, now: datetime) -> str:
    day = timezone.localdate(now)
    if frequency == Frequency.DAILY:
        return day.isoformat()
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def kinds_by_user(frequency: str) -> tuple[set[str], dict[int, set[str]], dict[int, set[str]]]:
    """(kinds at this frequency by default, kinds chosen at it per user, kinds moved away)."""
    default_kinds = {kind for kind, value in DEFAULT_FREQUENCY.items() if value == frequency}
    chosen: dict[int, set[str]] = defaultdict(set)
    moved_away: dict[int, set[str]] = defaultdict(set)
    for user_id, kind, value in NotificationPreference.objects.values_list(
        "user_id", "kind", "frequency"
    ):
        if value == frequency:
            chosen[user_id].add(kind)
        else:
            moved_away[user_id].add(kind)
    return default_kinds, chosen, moved_away


@dataclass
class DigestContent:
    user: object
    notifications: list = field(default_factory=list)
    unanswered: list = field(default_factory=list)

    def groups(self) -> list[tuple[str, list]]:
        """Notifications grouped by topic name, topics in alphabetical order, "other" last."""
        by_topic: dict[str, list] = defaultdict(list)
        for notification in self.notifications:
            by_topic[notification.topic.name if notification.topic else ""].append(notification)
        named = sorted((name, items) for name, items in by_topic.items() if name)
        if "" in by_topic:
            named.append((gettext("Autres notifications"), by_topic[""]))
        return named


@dataclass
class DigestRun:
    frequency: str
    period: str
    queued: list = field(default_factory=list)
    already_done: int = 0


def collect(frequency: str, *, now: datetime) -> dict[int, DigestContent]:
    """What each member's digest for this frequency would hold right now."""
    default_kinds, chosen, moved_away = kinds_by_user(frequency)
    candidate_kinds = default_kinds.union(*chosen.values()) if chosen else default_kinds
    contents: dict[int, DigestContent] = {}
    notifications = (
        Notification.objects.filter(
            kind__in=candidate_kinds,
            read_at__isnull=True,
            email_delivery__isnull=True,
            digest_delivery__isnull=True,
            redacted_at__isnull=True,
            created_at__lte=now,
            created_at__gte=now - MAX_AGE,
            recipient__in=reachable_users(),
        )
        .select_related("recipient", "topic")
        .order_by("recipient_id", "created_at", "pk")
    )
    for notification in notifications.iterator(chunk_size=2000):
        user_id = notification.recipient_id
        wanted = (default_kinds - moved_away.get(user_id, set())) | chosen.get(user_id, set())
        if notification.kind not in wanted:
            continue
        content = contents.setdefault(user_id, DigestContent(user=notification.recipient))
        content.notifications.append(notification)
    # Experts also hear about open questions in their topics that nobody has answered yet:
    # in any digest they receive, and in the weekly one even when nothing else happened,
    # unless they said "never" to expert questions.
    never = set(
        NotificationPreference.objects.filter(
            kind=Kind.QUESTION_ROUTED, frequency=Frequency.NEVER
        ).values_list("user_id", flat=True)
    )
    if frequency == Frequency.WEEKLY:
        experts = reachable_users()
    else:
        daily_routed = {
            user_id for user_id, kinds in chosen.items() if Kind.QUESTION_ROUTED in kinds
        }
        experts = reachable_users().filter(pk__in=set(contents) | daily_routed)
    unanswered = unanswered_in_expertise(
        experts.exclude(pk__in=never), since=now - UNANSWERED_WINDOW, limit=MAX_UNANSWERED
    )
    missing = reachable_users().in_bulk([uid for uid in unanswered if uid not in contents])
    for user_id, questions in unanswered.items():
        if user_id in contents:
            contents[user_id].unanswered = questions
        elif user_id in missing:
            contents[user_id] = DigestContent(user=missing[user_id], unanswered=questions)
    return contents


def send_digests(*, frequency: str, now: datetime | None = None) -> DigestRun:
    """Queue this period's digest for every member who has something in it."""
    if frequency not in DIGEST_FREQUENCIES:
        raise ValueError(f"Not a digest frequency: {frequency!r}")
    now = now or timezone.now()
    period = period_key(frequency, now)
    run = DigestRun(frequency=frequency, period=period)
    contents = collect(frequency, now=now)
    keys = {user_id: f"digest:{frequency}:{period}:{user_id}" for user_id in contents}
    done = set(
        EmailDelivery.objects.filter(idempotency_key__in=keys.values()).values_list(
            "idempotency_key", flat=True
        )
    )
    for user_id, content in contents.items():
        if keys[user_id] in done:
            run.already_done += 1
            continue
        if not content.user.email:
            continue
        delivery = _create_digest(content, frequency=frequency, key=keys[user_id], now=now)
        if delivery is None:
            run.already_done += 1
        else:
            run.queued.append(delivery)
    return run


def _create_digest(
    content: DigestContent, *, frequency: str, key: str, now
) -> EmailDelivery | None:
    user = content.user
    unsubscribe = unsubscribe_url(user_id=user.pk, scope=f"digest:{frequency}")
    subject = (
        gettext("Votre résumé quotidien")
        if frequency == Frequency.DAILY
        else gettext("Votre résumé de la semaine")
    )
    by_notification, by_question = replies.digest_addresses(
        user, content.notifications, content.unanswered, now=now
    )
    attach_mail_files(content.notifications)
    for notification in content.notifications:
        notification.reply_address = by_notification.get(notification.pk, "")
    for question in content.unanswered:
        question.reply_address = by_question.get(question.pk, "")
    # A digest about one thread only answers like its notification would; several threads:
    # each item has its own address, and a reply to the digest itself goes nowhere.
    addresses = {*by_notification.values(), *by_question.values()}
    items = len(content.notifications) + len(content.unanswered)
    reply_to = (
        addresses.pop()
        if len(addresses) == 1 and len(by_notification) + len(by_question) == items
        else ""
    )
    rendered = emails.render_email(
        template="digest",
        subject=subject,
        context={
            "reply_to": reply_to,
            "user": user,
            "frequency": frequency,
            "groups": content.groups(),
            "count": len(content.notifications),
            "unanswered": content.unanswered,
            "unsubscribe_url": unsubscribe,
            "preferences_url": emails.absolute_url("/compte/preferences/"),
            "notifications_url": emails.absolute_url("/notifications/"),
        },
    )
    try:
        with transaction.atomic():
            delivery = EmailDelivery.objects.create(
                idempotency_key=key,
                recipient=user,
                kind=DeliveryKind(frequency),
                subject=rendered.subject,
                body_text=rendered.text,
                body_html=rendered.html,
                unsubscribe_url=unsubscribe,
                message_id=emails.new_message_id(),
                reply_to=reply_to,
                next_attempt_at=now,
            )
            Notification.objects.filter(
                pk__in=[n.pk for n in content.notifications], digest_delivery__isnull=True
            ).update(digest_delivery=delivery)
            transaction.on_commit(lambda: tasks.enqueue_email(delivery.pk))
    except IntegrityError:
        # Another run created this period's digest between our check and now.
        return None
    return delivery

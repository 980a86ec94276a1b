"""Secret reply addresses: `r+<token>@REPLY_DOMAIN`, one per member and thread (and comment target).

The token is short enough for the 64 characters of an address's local part, lower case (mail
systems may change the case of a local part) and made only of letters, digits and hyphens:

    <user>-<question>-<target>-<day>-<mac>     (numbers in base 36)

- target: `x` for an answer to the thread, `q` for a comment on the question, `a<id>` for a
  comment on that answer (the notification was about a comment);
- day: the day the address was written (days since 1970-01-01, UTC); it works
  `REPLY_ADDRESS_MAX_AGE_DAYS` days;
- mac: an HMAC (SHA-256, keyed with SECRET_KEY) of the rest and of the member's `ReplyKey`
  secret, 100 bits in base 32. Renewing the secret (« Révoquer mes adresses de réponse ») makes
  every address given before worthless.

The address is the authority, not the `From` of a reply (see `inbound.py`).

Each member also has one personal address to ask a question by e-mail, `q+<token>@REPLY_DOMAIN`
(`asking.py`): `<user>-<mac>`, the same HMAC over `ask-<user>` and the same `ReplyKey` secret,
so « Révoquer mes adresses de réponse » (or a password change) renews it too. It does not
expire: a member keeps it in their address book.
"""

from __future__ import annotations

import base64
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils.crypto import salted_hmac

from qa.models import Answer, Comment, Question
from website.notifications.kinds import Kind
from website.notifications.models import ReplyKey

REPLY_SALT = "entraide.notifications.reply"
PREFIX = "r+"
ASK_PREFIX = "q+"
ANSWER = "x"
ON_QUESTION = "q"
MAC_LENGTH = 20
# A reply to these notices would not belong in the thread.
NO_REPLY_KINDS = {Kind.MODERATION}


class InvalidReplyAddress(ValueError):
    """Malformed, forged, revoked, or naming someone else's thread."""


class ExpiredReplyAddress(InvalidReplyAddress):
    """Well signed, but older than `REPLY_ADDRESS_MAX_AGE_DAYS`."""


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def _today(now: datetime | None = None) -> int:
    return ((now or datetime.now(UTC)) - datetime(1970, 1, 1, tzinfo=UTC)).days


def _mac(payload: str, secret: str) -> str:
    digest = salted_hmac(REPLY_SALT, f"{payload}|{secret}", algorithm="sha256").digest()
    return base64.b32encode(digest).decode().lower()[:MAC_LENGTH]


def secret_for(user) -> str:
    key, _created = ReplyKey.objects.get_or_create(user=user)
    return key.secret


@dataclass(frozen=True)
class ReplyTarget:
    user_id: int
    question_id: int
    comment_on_question: bool = False
    comment_on_answer_id: int | None = None

    @property
    def is_comment(self) -> bool:
        return self.comment_on_question or self.comment_on_answer_id is not None

    @property
    def code(self) -> str:
        if self.comment_on_answer_id is not None:
            return "a" + _b36(self.comment_on_answer_id)
        return ON_QUESTION if self.comment_on_question else ANSWER


def enabled() -> bool:
    return bool(settings.REPLY_DOMAIN)


def reply_address(*, user, target: ReplyTarget, now: datetime | None = None) -> str:
    """The secret address; empty when the feature is off (no `REPLY_DOMAIN`)."""
    if not enabled():
        return ""
    return _address(user.pk, target, secret_for(user), now)


def _address(user_id: int, target: ReplyTarget, secret: str, now: datetime | None) -> str:
    payload = "-".join([_b36(user_id), _b36(target.question_id), target.code, _b36(_today(now))])
    return f"{PREFIX}{payload}-{_mac(payload, secret)}@{settings.REPLY_DOMAIN}"


_THREAD_PATH = re.compile(r"^/questions/(\d+)/")


def digest_addresses(
    user, notifications, questions=(), *, now: datetime | None = None
) -> tuple[dict[int, str], dict[int, str]]:
    """A digest's reply addresses, one per thread item: `({notification id: address},
    {question id: address})` for its notifications and its unanswered `questions`. Same
    targets as `target_for`, without a query per item: the thread comes from the
    notification's link, the commented post of comment notifications from one query."""
    if not enabled():
        return {}, {}
    types = ContentType.objects.get_for_models(Question, Answer, Comment)
    thread_types = {types[Question].pk, types[Answer].pk}
    replyable = [
        n
        for n in notifications
        if n.kind not in NO_REPLY_KINDS and n.target_id is not None and _THREAD_PATH.match(n.url)
    ]
    comment_ids = [n.target_id for n in replyable if n.target_type_id == types[Comment].pk]
    commented = (
        dict(Comment.objects.filter(pk__in=comment_ids).values_list("pk", "answer_id"))
        if comment_ids
        else {}
    )
    if not replyable and not questions:
        return {}, {}
    secret = secret_for(user)
    by_notification = {}
    for notification in replyable:
        question_id = int(_THREAD_PATH.match(notification.url)[1])
        if notification.target_type_id in thread_types:
            target = ReplyTarget(user_id=user.pk, question_id=question_id)
        elif notification.target_id in commented:
            answer_id = commented[notification.target_id]
            target = ReplyTarget(
                user_id=user.pk,
                question_id=question_id,
                comment_on_question=answer_id is None,
                comment_on_answer_id=answer_id,
            )
        else:
            continue
        by_notification[notification.pk] = _address(user.pk, target, secret, now)
    by_question = {
        question.pk: _address(
            user.pk, ReplyTarget(user_id=user.pk, question_id=question.pk), secret, now
        )
        for question in questions
    }
    return by_notification, by_question


def target_for(notification) -> ReplyTarget | None:
    """What a reply to this notification posts: an answer to its thread, or a comment on the
    post a comment notification was about. None when it is not about a thread."""
    if notification.kind in NO_REPLY_KINDS or notification.target_id is None:
        return None
    target = notification.target
    user_id = notification.recipient_id
    if isinstance(target, Question):
        return ReplyTarget(user_id=user_id, question_id=target.pk)
    if isinstance(target, Answer):
        return ReplyTarget(user_id=user_id, question_id=target.question_id)
    if isinstance(target, Comment):
        if target.answer_id:
            return ReplyTarget(
                user_id=user_id,
                question_id=target.answer.question_id,
                comment_on_answer_id=target.answer_id,
            )
        return ReplyTarget(
            user_id=user_id, question_id=target.question_id, comment_on_question=True
        )
    return None


def address_for_notification(notification, *, now: datetime | None = None) -> str:
    if not enabled():
        return ""
    target = target_for(notification)
    if target is None:
        return ""
    return reply_address(user=notification.recipient, target=target, now=now)


def _local_part(address: str, prefix: str) -> str | None:
    local, _at, domain = address.strip().strip("<>").rpartition("@")
    if not enabled() or domain.lower() != settings.REPLY_DOMAIN.lower():
        return None
    local = local.lower()
    if not local.startswith(prefix):
        return None
    return local[len(prefix) :]


def token_of(address: str) -> str | None:
    """The token of an `r+<token>@REPLY_DOMAIN` address, or None for any other address."""
    return _local_part(address, PREFIX)


def ask_token_of(address: str) -> str | None:
    """The token of a `q+<token>@REPLY_DOMAIN` address, or None for any other address."""
    return _local_part(address, ASK_PREFIX)


def masked(address: str) -> str:
    """The address with its signature hidden (`r+1-2-x-k3-…@domain`), for staff screens: the
    full address lets anyone who reads it post as the member. Other addresses unchanged."""
    local, at, domain = address.rpartition("@")
    if not at or not local.lower().startswith((PREFIX, ASK_PREFIX)) or "-" not in local:
        return address
    return f"{local.rsplit('-', 1)[0]}-…@{domain}"


def is_ours(address: str) -> bool:
    """One of our reply or ask addresses (never write to them: no mail loop)."""
    return token_of(address) is not None or ask_token_of(address) is not None


def ask_address(user) -> str:
    """The member's personal address to ask a question by e-mail; empty when the feature is off."""
    if not enabled():
        return ""
    payload = _b36(user.pk)
    return (
        f"{ASK_PREFIX}{payload}-{_mac('ask-' + payload, secret_for(user))}@{settings.REPLY_DOMAIN}"
    )


def read_ask_token(token: str) -> int:
    """The member's id of a `q+` token; raises `InvalidReplyAddress` (malformed, forged,
    revoked, unknown member)."""
    parts = token.lower().split("-")
    if len(parts) != 2:
        raise InvalidReplyAddress("malformed")
    user_part, mac = parts
    user_id = _int36(user_part)
    key = ReplyKey.objects.filter(user_id=user_id).values_list("secret", flat=True).first()
    if key is None or not get_user_model().objects.filter(pk=user_id).exists():
        raise InvalidReplyAddress("unknown member")
    if not hmac.compare_digest(_mac("ask-" + user_part, key), mac):
        raise InvalidReplyAddress("bad signature")
    return user_id


def _int36(text: str) -> int:
    if not text or len(text) > 12 or not (text.isascii() and text.isalnum()):
        raise InvalidReplyAddress("bad number")
    return int(text, 36)


def read_token(token: str, *, now: datetime | None = None) -> ReplyTarget:
    """Check a token; raises `ExpiredReplyAddress` or `InvalidReplyAddress`."""
    parts = token.lower().split("-")
    if len(parts) != 5:
        raise InvalidReplyAddress("malformed")
    user_part, question_part, code, day_part, mac = parts
    user_id, question_id, day = _int36(user_part), _int36(question_part), _int36(day_part)
    key = ReplyKey.objects.filter(user_id=user_id).values_list("secret", flat=True).first()
    if key is None or not get_user_model().objects.filter(pk=user_id).exists():
        raise InvalidReplyAddress("unknown member")
    payload = "-".join([user_part, question_part, code, day_part])
    if not hmac.compare_digest(_mac(payload, key), mac):
        raise InvalidReplyAddress("bad signature")
    if code == ANSWER:
        target = ReplyTarget(user_id=user_id, question_id=question_id)
    elif code == ON_QUESTION:
        target = ReplyTarget(user_id=user_id, question_id=question_id, comment_on_question=True)
    elif code.startswith("a"):
        target = ReplyTarget(
            user_id=user_id, question_id=question_id, comment_on_answer_id=_int36(code[1:])
        )
    else:
        raise InvalidReplyAddress("unknown target")
    today = _today(now)
    if day > today + 1:
        raise InvalidReplyAddress("from the future")
    if today - day > settings.REPLY_ADDRESS_MAX_AGE_DAYS:
        raise ExpiredReplyAddress("expired")
    return target

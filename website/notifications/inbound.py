"""Processing one stored `InboundMail`: from a reply to a notification to an answer or comment.

The order of the checks is the order of the refusals a sender can act on:

1. automatic messages (auto-replies, out-of-office, bounces) are ignored and logged; nothing is
   ever sent back to them (no mail loop);
2. the secret address (`replies.read_token`) names the member and the thread: the `From` is
   not the authority. A `From` that is not one of the account's addresses (a shared mairie
   mailbox) is logged and flagged for moderators, not refused;
3. the member may still post (`directory.roles.is_member`, `qa.permissions.can_answer` /
   `can_comment`) and has budget left (`directory.budget.POSTS`, as on the web form);
4. the text without its quoted history (`mailtext.split_reply`) is not empty and not too long;
5. the answer or comment is written by `qa.services` like the web form's, which sends the usual
   notifications.

A refusal keeps the message in the moderators' « courriels non traités » list (retry, discard)
and sends one French explanation to the sender, at most one per address per
`INBOUND_MAIL_REFUSAL_INTERVAL_SECONDS` (and none for a forged or unknown address, to send no
mail to a forged sender).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage as OutgoingEmail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from directory.budget import POSTS
from directory.roles import is_member
from qa import permissions, services
from qa.models import BODY_MAX_LENGTH, COMMENT_MAX_LENGTH, Answer, Question
from website.notifications import asking, bounces, emails, mailfiles, mailtext, replies, tasks
from website.notifications.models import InboundMail, InboundStatus
from website.notifications.tokens import unsubscribe_url

logger = logging.getLogger(__name__)

AUTO_SUBJECTS = (
    "réponse automatique",
    "reponse automatique",
    "absence du bureau",
    "absent du bureau",
    "message d'absence",
    "out of office",
    "automatic reply",
    "auto:",
    "autoreply",
)
BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")


class Refusal(Exception):
    """A reason the message cannot be posted; `reason` is a stable code, `reply` whether the
    sender is told."""

    def __init__(self, reason: str, *, reply: bool = True, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.reply = reply
        self.detail = detail


def automatic_kind(message: EmailMessage) -> str:
    """ "bounce", "auto_reply" or "" for a message a person wrote."""
    content_type = message.get_content_type()
    report_type = (message.get_param("report-type") or "").lower()
    sender = parseaddr(mailtext.header(message, "From"))[1].lower()
    if (
        content_type == "multipart/report"
        or report_type == "delivery-status"
        or sender.startswith(BOUNCE_SENDERS)
    ):
        return "bounce"
    auto_submitted = mailtext.header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return "auto_reply"
    if mailtext.header(message, "X-Autoreply") or mailtext.header(message, "X-Autorespond"):
        return "auto_reply"
    if mailtext.header(message, "Precedence").lower() in {"bulk", "list", "junk", "auto_reply"}:
        return "auto_reply"
    subject = mailtext.header(message, "Subject").lower()
    if subject.startswith(AUTO_SUBJECTS):
        return "auto_reply"
    return ""


def _recipients(mail: InboundMail, message: EmailMessage) -> list[str]:
    found = [mail.envelope_to] if mail.envelope_to else []
    for name in ("Delivered-To", "X-Original-To", "To", "Cc"):
        found += [address for _name, address in getaddresses([mailtext.header(message, name)])]
    return found


def _ask_token(mail: InboundMail, message: EmailMessage) -> str | None:
    for address in _recipients(mail, message):
        token = replies.ask_token_of(address)
        if token:
            return token
    return None


def _token(mail: InboundMail, message: EmailMessage) -> str:
    for address in _recipients(mail, message):
        token = replies.token_of(address)
        if token:
            return token
    raise Refusal("no_address", reply=False)


def _from_matches(user, sender: str) -> bool:
    sender = sender.lower()
    if sender and sender == (user.email or "").lower():
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=sender).exists()


@dataclass(frozen=True)
class Destination:
    question: Question
    post: Question | Answer | None  # None: an answer to the thread; else the commented post


def _destination(user, target: replies.ReplyTarget) -> Destination:
    question = Question.objects.filter(pk=target.question_id).first()
    if question is None or question.deleted_at:
        raise Refusal("thread_deleted")
    if question.locked_at:
        raise Refusal("thread_locked")
    if not permissions.can_view_question(user, question):
        raise Refusal("inactive")
    if not target.is_comment:
        if not permissions.can_answer(user, question):
            raise Refusal("thread_closed")
        return Destination(question=question, post=None)
    post: Question | Answer | None = question
    if target.comment_on_answer_id is not None:
        post = (
            Answer.objects.select_related("question")
            .filter(pk=target.comment_on_answer_id, question=question)
            .first()
        )
    if post is None or not permissions.can_comment(user, post):
        raise Refusal("post_deleted")
    return Destination(question=question, post=post)


def process(mail: InboundMail, *, now=None) -> InboundMail:
    """Decide and act on one message; the caller holds its row lock and saves it."""
    now = now or timezone.now()
    message = mailtext.parse(bytes(mail.raw))
    mail.sender = parseaddr(mailtext.header(message, "From"))[1][:320]
    mail.subject = emails.safe_header(mailtext.header(message, "Subject"), max_length=250)
    mail.processed_at = now
    automatic = automatic_kind(message)
    if automatic:
        logger.info("Inbound mail %s ignored: %s from %s", mail.pk, automatic, mail.sender)
        if automatic == "bounce":
            bounces.record(mail, message, now=now)
        mail.status, mail.reason, mail.error = InboundStatus.IGNORED, automatic, ""
        return mail
    try:
        if len(mail.raw) >= settings.INBOUND_MAIL_MAX_BYTES:
            raise Refusal("too_large")
        _check_flood(mail, now=now)
        _post(mail, message)
    except Refusal as refusal:
        logger.warning("Inbound mail %s refused: %s", mail.pk, refusal.reason)
        mail.status, mail.reason, mail.error = InboundStatus.REFUSED, refusal.reason, ""
        if refusal.reply:
            _reply_refusal(mail, message, refusal.reason, now=now)
    return mail


def _check_flood(mail: InboundMail, *, now) -> None:
    """More than `INBOUND_MAIL_MAX_PER_HOUR` messages from one sender or to one reply address
    in the last hour: a mail bomb or a loop. Kept for the moderators, nobody is answered."""
    since = now - timedelta(hours=1)
    recent = InboundMail.objects.filter(received_at__gte=since).exclude(pk=mail.pk)
    limit = settings.INBOUND_MAIL_MAX_PER_HOUR
    if mail.sender and recent.filter(sender__iexact=mail.sender).count() >= limit:
        raise Refusal("flood", reply=False)
    if mail.envelope_to and recent.filter(envelope_to__iexact=mail.envelope_to).count() >= limit:
        raise Refusal("flood", reply=False)


def _member(mail: InboundMail, user_id: int):
    """The member the secret address names, still allowed to post; the `From` is checked
    only to flag a mismatch."""
    user = get_user_model().objects.filter(pk=user_id).first()
    mail.user = user
    if user is None or not user.is_active:
        raise Refusal("inactive")
    if not is_member(user):
        raise Refusal("pending")
    mail.from_mismatch = not _from_matches(user, mail.sender)
    if mail.from_mismatch:
        logger.warning(
            "Inbound mail %s for user %s comes from another address (%s)",
            mail.pk,
            user.pk,
            mail.sender,
        )
    return user


def _ask(mail: InboundMail, message: EmailMessage, token: str) -> None:
    """A message to a member's `q+` address: a question waiting for their confirmation, or
    published at once when they chose so (`asking.py`)."""
    try:
        user_id = replies.read_ask_token(token)
    except replies.InvalidReplyAddress as error:
        raise Refusal("invalid_address", reply=False) from error
    user = _member(mail, user_id)
    split = mailtext.split_reply(mailtext.body_text(message))
    mail.text, mail.quoted_text = split.text, split.quoted
    if not split.text:
        raise Refusal("empty_question")
    if len(split.text) > BODY_MAX_LENGTH:
        raise Refusal("too_long")
    asking.ask_received(mail=mail, message=message, user=user)


def _post(mail: InboundMail, message: EmailMessage) -> None:
    ask_token = _ask_token(mail, message)
    if ask_token:
        _ask(mail, message, ask_token)
        return
    try:
        target = replies.read_token(_token(mail, message))
    except replies.ExpiredReplyAddress as error:
        raise Refusal("expired") from error
    except replies.InvalidReplyAddress as error:
        raise Refusal("invalid_address", reply=False) from error
    user = _member(mail, target.user_id)
    destination = _destination(user, target)
    split = mailtext.split_reply(mailtext.body_text(message))
    mail.text, mail.quoted_text = split.text, split.quoted
    if not split.text:
        raise Refusal("empty")
    limit = COMMENT_MAX_LENGTH if destination.post is not None else BODY_MAX_LENGTH
    if len(split.text) > limit:
        raise Refusal("too_long")
    slot = POSTS.take(user)
    if slot is None:
        raise Refusal("rate_limited")
    files = mailfiles.checked_files(
        message,
        limit=(
            settings.QA_ATTACHMENTS_PER_POST
            if destination.post is None
            else settings.QA_ATTACHMENTS_PER_COMMENT
        ),
        uploader=user,
    )
    try:
        if destination.post is None:
            created = services.answer_create(
                question=destination.question,
                author=user,
                body=split.text,
                attachments=mailfiles.accepted(files),
            )
        else:
            created = services.comment_create(
                post=destination.post,
                author=user,
                body=split.text,
                attachments=mailfiles.accepted(files),
            )
    except Exception:
        slot.give_back()
        raise
    mail.status, mail.reason, mail.error = InboundStatus.POSTED, "", ""
    refused = mailfiles.refused(files)
    if refused:
        # Published all the same; the member learns which files were left out, and why.
        mail.reason = "files_refused"
        mail.error = "\n".join(file.refusal for file in refused)[:2000]
        _tell_files_refused(mail, user, created, refused)
    mail.posted_url = created.get_absolute_url()[:500]
    mail.posted_question, mail.posted_anchor = destination.question, created.anchor
    mail.user = user


def _tell_files_refused(mail: InboundMail, user, created, refused: list) -> None:
    """One e-mail to the member (their account's address, not the `From`): the message is
    published, without these files, each with its reason. Through the outbox, once per
    message whatever the retries."""
    if not user.email:
        return
    unsubscribe = unsubscribe_url(user_id=user.pk, scope="all")
    rendered = emails.render_email(
        template="files_refused",
        subject=_("Pièces jointes refusées : %(subject)s")
        % {"subject": mail.subject or _("(sans objet)")},
        context={
            "user": user,
            "mail_subject": mail.subject,
            "post_link": emails.absolute_url(created.get_absolute_url()),
            "refused": refused,
            "unsubscribe_url": unsubscribe,
            "preferences_url": emails.absolute_url("/compte/preferences/"),
        },
    )
    tasks.queue_once(
        key=f"inbound-files:{mail.pk}",
        recipient=user,
        rendered=rendered,
        unsubscribe_url=unsubscribe,
    )


# --- The explanation sent back ----------------------------------------------------------------


def refusal_messages() -> dict[str, str]:
    """Why a message was not published, and what to do, for each refusal code."""
    return {
        "expired": _(
            "L'adresse de réponse de cet e-mail a expiré. Répondez depuis une notification "
            "plus récente, ou directement sur le site."
        ),
        "inactive": _(
            "Votre compte Entraide est désactivé ou effacé : vos messages ne peuvent plus être "
            "publiés. Écrivez aux modérateurs pour le réactiver."
        ),
        "pending": _(
            "Votre compte Entraide attend encore sa validation par les modérateurs : vous "
            "pourrez répondre dès qu'il sera validé."
        ),
        "thread_deleted": _("Cette discussion a été supprimée : on ne peut plus y répondre."),
        "thread_locked": _("Cette discussion est verrouillée par la modération."),
        "thread_closed": _(
            "Cette question est fermée : on ne peut plus y répondre. Vous pouvez encore la "
            "commenter sur le site."
        ),
        "post_deleted": _("Le message que vous commentiez n'est plus disponible."),
        "empty": _(
            "Nous n'avons trouvé aucun texte nouveau dans votre message (seulement le texte "
            "cité). Écrivez votre réponse au-dessus de la ligne « ✂ »."
        ),
        "empty_question": _(
            "Votre message ne contient aucun texte : écrivez votre question dans le corps de "
            "l'e-mail, et son titre en objet."
        ),
        "too_long": _(
            "Votre message est trop long pour être publié ainsi. Publiez-le depuis le site."
        ),
        "too_large": _(
            "Votre message est trop volumineux (pièces jointes ?). Publiez-le depuis le site."
        ),
        "flood": _(
            "Trop de messages de cet expéditeur ou vers cette adresse en une heure (envoi en "
            "masse ou boucle de réponses automatiques) : rien n'a été publié."
        ),
        "rate_limited": _(
            "Vous avez atteint le nombre de messages autorisés par heure pour un nouveau "
            "membre. Les modérateurs publieront votre message ou vous pourrez le renvoyer "
            "plus tard."
        ),
    }


def _reply_refusal(mail: InboundMail, message: EmailMessage, reason: str, *, now) -> None:
    sender = mail.sender
    if not sender or "@" not in sender or sender.lower().startswith(BOUNCE_SENDERS):
        return
    if replies.is_ours(sender):
        return  # never write to one of our own addresses
    since = now - timedelta(seconds=settings.INBOUND_MAIL_REFUSAL_INTERVAL_SECONDS)
    recently = (
        InboundMail.objects.filter(sender__iexact=sender, refusal_sent_at__gte=since)
        .exclude(pk=mail.pk)
        .exists()
    )
    if recently:
        logger.info("Inbound mail %s: refusal already sent to this address lately", mail.pk)
        return
    with translation.override(settings.LANGUAGE_CODE):
        explanation = refusal_messages().get(reason, "")
        body = "\n\n".join(
            [
                _("Bonjour,"),
                _("Votre message « %(subject)s » n'a pas été publié sur Entraide.")
                % {"subject": mail.subject or _("(sans objet)")},
                explanation,
                _(
                    "Il est conservé : les modérateurs le verront. Vous pouvez aussi écrire "
                    "directement sur le site : %(url)s"
                )
                % {"url": settings.SITE_URL.rstrip("/") + "/"},
                _("Ceci est une réponse automatique : inutile d'y répondre."),
            ]
        )
        subject = _("Votre message n'a pas été publié sur Entraide")
    original_id = mailtext.header(message, "Message-ID")
    headers = {
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
        "Message-ID": emails.new_message_id(),
    }
    if original_id:
        headers["In-Reply-To"] = original_id
        headers["References"] = original_id
    try:
        OutgoingEmail(
            subject=emails.SUBJECT_PREFIX + subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[sender],
            headers=headers,
        ).send()
    except Exception:
        logger.exception("Inbound mail %s: the refusal could not be sent", mail.pk)
        return
    mail.refusal_sent_at = now

"""Asking a question by e-mail: a member's personal `q+<token>@REPLY_DOMAIN` address.

`inbound.process` checks the address and the member (as for a reply), keeps the text without
signature or quoted history, then calls `ask_received`:

- the subject is the title, the body the text, the mail's attachments go through the same
  content checks as the ask form's (`mailfiles.checked_files`);
- topics are suggested from the text (`suggest_topics`);
- the message waits, « en attente de confirmation » (`InboundStatus.AWAITING`), and the member
  gets an acknowledgement e-mail: the similar threads already on the site first, then one link
  to the confirmation page (`ask_views.ask_confirm`), where title, text, type and topics can be
  changed before « Publier » (the ask form's `qa.forms.QuestionForm` checks them);
- a member who chose « publier sans confirmation » (`ReplyKey.ask_without_confirmation`) has it
  published at once, when it passes the ask form's checks with its suggested topics and every
  attachment is accepted; otherwise it waits for confirmation like the others.

The raw message stays the source (`InboundMail`): nothing is lost, and a member's own draft of
a new question (`qa.Draft`, one per member) is left untouched.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from email.message import EmailMessage

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.budget import POSTS
from directory.text import fold
from qa import services
from qa.forms import QuestionForm
from qa.models import TITLE_MAX_LENGTH, Question, QuestionKind
from taxonomy.models import Topic
from website.notifications import emails, mailfiles, mailtext, tasks
from website.notifications.models import (
    InboundMail,
    InboundStatus,
    ReplyKey,
)
from website.notifications.tokens import unsubscribe_url
from website.search.services import similar_questions_for

logger = logging.getLogger(__name__)

SUGGESTED_TOPICS = 3
SIMILAR_SHOWN = 5
_REPLY_PREFIX = re.compile(r"^\s*((re|tr|fw|fwd|réf|ref)\s*:\s*)+", re.IGNORECASE)


def title_from_subject(subject: str) -> str:
    """The subject without « RE : », « TR : », « Fwd: »…, cut to a title's length."""
    return _REPLY_PREFIX.sub("", subject or "").strip()[:TITLE_MAX_LENGTH]


def ask_files(mail: InboundMail) -> list[mailfiles.MailFile]:
    """Each attachment of the stored message, accepted or refused (`mailfiles.checked_files`,
    the ask form's checks, `QA_ATTACHMENTS_PER_POST` files at most)."""
    return mailfiles.checked_files(
        mailtext.parse(bytes(mail.raw)), limit=settings.QA_ATTACHMENTS_PER_POST, uploader=mail.user
    )


def suggest_topics(user, *, title: str, text: str) -> list[Topic]:
    """Topics for an e-mailed question: those whose name the text uses, then those of the most
    similar threads already on the site; at most `SUGGESTED_TOPICS`."""
    folded = f" {' '.join(fold(f'{title} {text}').split())} "
    active = list(Topic.objects.active().only("pk", "name", "slug"))
    named = [topic for topic in active if f" {' '.join(fold(topic.name).split())} " in folded]
    similar = similar_questions_for(user, title, limit=SIMILAR_SHOWN)
    counts = Counter(
        Question.topics.through.objects.filter(question__in=similar).values_list(
            "topic_id", flat=True
        )
    )
    by_pk = {topic.pk: topic for topic in active}
    suggested = named + [by_pk[pk] for pk, _n in counts.most_common() if pk in by_pk]
    unique = list(dict.fromkeys(suggested))
    return unique[:SUGGESTED_TOPICS]


def question_form(*, data=None, initial=None) -> QuestionForm:
    """The ask form, for what an e-mail gives (no person chooser, files come from the mail)."""
    return QuestionForm(data=data, initial=initial)


def initial_for(mail: InboundMail, user) -> dict:
    title = title_from_subject(mail.subject)
    return {
        "kind": QuestionKind.QUESTION,
        "title": title,
        "body": mail.text,
        "topics": suggest_topics(user, title=title, text=mail.text),
    }


def ask_received(*, mail: InboundMail, message: EmailMessage, user) -> None:
    """Called by `inbound.process` (row locked) once the address and member are checked."""
    initial = initial_for(mail, user)
    similar = similar_questions_for(user, initial["title"], limit=SIMILAR_SHOWN)
    if _wants_no_confirmation(user):
        data = {**initial, "topics": [topic.pk for topic in initial["topics"]]}
        form = question_form(data=data)
        files = ask_files(mail)
        if form.is_valid() and not any(file.refusal for file in files):
            try:
                question = ask_publish(mail=mail, user=user, form=form, files=files)
            except ValidationError:
                question = None  # over the posting budget: the member confirms later
            if question is not None:
                _acknowledge(mail, user, initial=initial, similar=similar, question=question)
                return
    mail.status, mail.reason, mail.error = InboundStatus.AWAITING, "", ""
    _acknowledge(mail, user, initial=initial, similar=similar, question=None)


def _wants_no_confirmation(user) -> bool:
    return ReplyKey.objects.filter(user=user, ask_without_confirmation=True).exists()


def ask_publish(
    *, mail: InboundMail, user, form: QuestionForm, files: list[mailfiles.MailFile]
) -> Question:
    """Publish an e-mailed question with the accepted files; the caller holds the row lock.
    Raises `ValidationError` when the member's posting budget is spent."""
    slot = POSTS.take(user)
    if slot is None:
        raise ValidationError(
            _(
                "Vous avez atteint le nombre de messages autorisés par heure pour un nouveau "
                "membre. Réessayez plus tard : votre question reste en attente."
            )
        )
    data = form.cleaned_data
    try:
        question = services.question_create(
            author=user,
            title=data["title"],
            body=data["body"],
            topics=data["topics"],
            kind=data["kind"],
            attachments=mailfiles.accepted(files),
        )
    except Exception:
        slot.give_back()
        raise
    mail.status, mail.reason, mail.error = InboundStatus.POSTED, "", ""
    mail.posted_url = question.get_absolute_url()[:500]
    mail.posted_question, mail.posted_anchor = question, question.anchor
    mail.processed_at = timezone.now()
    return question


def awaiting_for(user):
    """The member's e-mailed questions waiting for their confirmation, newest first."""
    return InboundMail.objects.filter(user=user, status=InboundStatus.AWAITING).only(
        "pk", "subject", "received_at"
    )


def ask_discard(*, mail: InboundMail) -> bool:
    """The member drops an e-mailed question (kept, out of their list)."""
    return bool(
        InboundMail.objects.filter(pk=mail.pk, status=InboundStatus.AWAITING).update(
            status=InboundStatus.DISCARDED, reason="member"
        )
    )


def _acknowledge(mail, user, *, initial, similar, question) -> None:
    """The acknowledgement, through the outbox (one per message, whatever the retries)."""
    if not user.email:
        return
    unsubscribe = unsubscribe_url(user_id=user.pk, scope="all")
    subject = (
        _("Votre question est publiée : %(title)s")
        if question is not None
        else _("Confirmez votre question : %(title)s")
    ) % {"title": initial["title"] or _("(sans objet)")}
    confirm_path = reverse("notifications:ask_confirm", kwargs={"pk": mail.pk})
    rendered = emails.render_email(
        template="ask_ack",
        subject=subject,
        context={
            "user": user,
            "title": initial["title"],
            "text": mail.text,
            "topics": initial["topics"],
            "similar": [
                (item.title, emails.absolute_url(item.get_absolute_url())) for item in similar
            ],
            "question_link": emails.absolute_url(question.get_absolute_url()) if question else "",
            "confirm_link": emails.absolute_url(confirm_path),
            "files": ask_files(mail),
            "unsubscribe_url": unsubscribe,
            "preferences_url": emails.absolute_url("/compte/preferences/#questions-par-courriel"),
        },
    )
    tasks.queue_once(
        key=f"ask:{mail.pk}", recipient=user, rendered=rendered, unsubscribe_url=unsubscribe
    )

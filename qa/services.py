"""Every write of the Q&A layer: one function per business action.

Keyword-only typed arguments, `transaction.atomic`, counters through `F()` expressions, side
effects (signals for notifications and search) in `transaction.on_commit`. Views check
permissions (`qa.permissions`) before calling; services keep the data consistent.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from directory.models import Person, Structure
from directory.selectors import current_position
from directory.text import clean_text
from qa import permissions, signals
from qa.attachments import FOLDER, CheckedFile, storage_name
from qa.extraction import READERS, extract_text
from qa.markdown import attachment_numbers, render_inline, render_markdown
from qa.models import (
    OWN_DELETE_REASON,
    Answer,
    Attachment,
    CloseReason,
    Comment,
    Draft,
    FaqPromotion,
    Flag,
    FlagReason,
    FlagStatus,
    ModerationAction,
    ModerationKind,
    Question,
    QuestionFollow,
    QuestionKind,
    Revision,
    SameProblem,
    ThreadVisit,
    TopicFollow,
    Vote,
)
from qa.selectors import next_attachment_number
from taxonomy.models import Topic

Post = Question | Answer | Comment

logger = logging.getLogger(__name__)


def _send(signal, sender, **kwargs):
    transaction.on_commit(partial(signal.send, sender=sender, **kwargs))


def _record(event: str, instance) -> None:
    """Announce `event` inside the current transaction (`signals.event_recorded`)."""
    signals.event_recorded.send(sender=type(instance), event=event, instance=instance)


# Words used by the per-question action URLs: a slug never takes one of them.
RESERVED_SLUGS = {
    "repondre", "meme-probleme", "suivre", "moderer", "fermer", "rouvrir", "doublon",
    "verrouiller", "deverrouiller", "fusionner", "faq", "voter", "commenter", "modifier",
    "versions", "signaler", "supprimer", "restaurer",
}  # fmt: skip


def _slug(title: str) -> str:
    slug = slugify(title)[:150].strip("-") or "question"
    return f"{slug}-q" if slug in RESERVED_SLUGS else slug


def _author_context(user) -> tuple[Structure | None, str]:
    """The asker's current structure and function, read from their directory entry."""
    person = Person.objects.filter(user=user).first() if user else None
    position = current_position(person)
    if position is None:
        return None, ""
    return position.structure, position.function


def _touch(question: Question, when=None):
    Question.objects.filter(pk=question.pk).update(last_activity_at=when or timezone.now())


def _log(*, by, kind, question, reason="", answer=None, comment=None, other_question=None):
    action = ModerationAction.objects.create(
        moderator=by,
        kind=kind,
        question=question,
        answer=answer,
        comment=comment,
        other_question=other_question,
        reason=clean_text(reason).strip(),
    )
    _send(signals.moderation_action, ModerationAction, action=action)
    return action


def _visibility_changed(question: Question):
    """For changes the search does not see as a save of the question or of an answer (merges,
    answers moved, columns updated in bulk). A creation or an edit saves the post, which the
    search already re-indexes: sending this too would index the thread twice."""
    _send(signals.question_visibility_changed, Question, question=question)


def _first_revision(post: Post, *, author, title: str = "", attachments=()):
    revision = Revision.objects.create(
        **{post.post_kind: post},
        number=1,
        title=title,
        body=post.body,
        author=author,
        created_at=post.created_at,
    )
    if attachments:
        revision.attachments.set(attachments)


def _rendered(post: Post, body: str) -> str:
    """The stored HTML of a post's body; its `piece-jointe:<n>` references read the post's own
    files (one query, only when the body has such a reference)."""
    files = post.attachments.current() if post.pk and attachment_numbers(body) else ()
    if isinstance(post, Comment):
        return render_inline(body, files)
    return render_markdown(body, files)


def _render_again(post: Post) -> None:
    """After the post's files changed: its references may now show a file, or no longer."""
    if attachment_numbers(post.body):
        post.body_html = _rendered(post, post.body)
        type(post).objects.filter(pk=post.pk).update(body_html=post.body_html)


# The files written by the posting service running now, in this thread or task (`_attach`).
_written_files: ContextVar[list[str] | None] = ContextVar("qa_written_files", default=None)


def _files_follow_the_transaction(service):
    """Around an atomic posting service: when its transaction rolls back (any exception leaving
    it, after the files were written or later in the service), the files it wrote are deleted,
    since no row names them any more. A rollback of a transaction around the service, or a
    process killed before the commit, leaves files no row names: `attachment_orphans_delete`
    (`manage.py attachments_sweep`) removes those."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        written: list[str] = []
        token = _written_files.set(written)
        try:
            return service(*args, **kwargs)
        except BaseException:
            for name in written:
                default_storage.delete(name)
            raise
        finally:
            _written_files.reset(token)

    return wrapper


def _attach(post: Post, *, uploader, files: Iterable[CheckedFile]) -> list[Attachment]:
    """Store checked files (`qa.attachments.check_upload`) under random names, with their
    rows, numbered from `selectors.next_attachment_number` (numbers are never reused for
    what a reference names). Called inside a service wrapped by
    `_files_follow_the_transaction`, so a failure then removes the files already written:
    nothing half-stored remains."""
    written = _written_files.get()
    if written is None:
        raise RuntimeError("_attach runs inside a service wrapped by _files_follow_the_transaction")
    files = list(files)
    if not files:
        return []
    attachments = []
    number = next_attachment_number(post) - 1
    for checked in files:
        number += 1
        name = default_storage.save(storage_name(checked.extension), ContentFile(checked.content))
        written.append(name)
        thumbnail = ""
        if checked.thumbnail:
            thumbnail = default_storage.save(storage_name("jpg"), ContentFile(checked.thumbnail))
            written.append(thumbnail)
        attachments.append(
            Attachment.objects.create(
                **{post.post_kind: post},
                number=number,
                file=name,
                thumbnail=thumbnail,
                original_name=checked.name,
                size=checked.size,
                content_type=checked.content_type,
                is_image=checked.is_image,
                width=checked.width,
                height=checked.height,
                uploader=uploader,
            )
        )
    ids = [attachment.pk for attachment in attachments]
    if ids:  # after the commit: the extraction task reads the rows
        _render_again(post)
        transaction.on_commit(
            lambda: signals.attachments_stored.send(sender=Attachment, attachment_ids=ids)
        )
    return attachments


def attachment_orphans_delete(*, older_than: timedelta, now=None) -> int:
    """Delete the attachment files no row names (a transaction rolled back around a posting
    service, a process killed between the write and the commit), once older than `older_than`
    so that a post being committed right now keeps its files. `manage.py attachments_sweep`,
    nightly. Returns how many files went."""
    known = set(Attachment.objects.values_list("file", flat=True))
    known |= set(Attachment.objects.exclude(thumbnail="").values_list("thumbnail", flat=True))
    limit = (now or timezone.now()) - older_than
    deleted = 0
    try:
        _folders, names = default_storage.listdir(FOLDER)
    except FileNotFoundError:  # nothing was ever attached
        return 0
    for filename in names:
        name = f"{FOLDER}/{filename}"
        if name not in known and default_storage.get_modified_time(name) < limit:
            default_storage.delete(name)
            deleted += 1
    return deleted


def attachment_text_extract(attachment_id: int) -> int:
    """Store the text of an attachment's file (capped, "" when it has none or cannot be read:
    `qa.extraction.extract_text`). Saving the row re-indexes its thread (search signals)."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        return 0
    content = b""
    if attachment.extension.lower() in READERS:  # images and archives are not read
        try:
            with attachment.file.open("rb") as stored:
                content = stored.read()
        except OSError:
            logger.warning("Attachment %s: file missing, no text extracted", attachment_id)
    attachment.extracted_text = extract_text(content, attachment.extension)
    attachment.text_extracted_at = timezone.now()
    attachment.save(update_fields=["extracted_text", "text_extracted_at"])
    return len(attachment.extracted_text)


# --- Posting -------------------------------------------------------------------------------


@_files_follow_the_transaction
@transaction.atomic
def question_create(
    *,
    author,
    title: str,
    body: str,
    topics: Iterable[Topic],
    kind: str = QuestionKind.QUESTION,
    addressed_to_person: Person | None = None,
    addressed_to_structure: Structure | None = None,
    attachments: Iterable[CheckedFile] = (),
) -> Question:
    """Post a question or discussion, with its checked attachments; the asker follows it
    from then on."""
    title = clean_text(title).strip()
    body = clean_text(body).strip()
    structure, function = _author_context(author)
    now = timezone.now()
    question = Question.objects.create(
        created_at=now,
        updated_at=now,
        last_activity_at=now,
        kind=kind,
        title=title,
        slug=_slug(title),
        body=body,
        body_html=render_markdown(body),
        author=author,
        author_structure=structure,
        author_function=function,
        addressed_to_person=addressed_to_person,
        addressed_to_structure=addressed_to_structure,
    )
    question.topics.set(list(topics))
    files = _attach(question, uploader=author, files=attachments)
    _first_revision(question, author=author, title=title, attachments=files)
    QuestionFollow.objects.get_or_create(user=author, question=question)
    _send(signals.question_created, Question, question=question)
    _record("question_created", question)
    return question


def _check_still_open(post: Question | Answer, *, to_answer: bool = False) -> None:
    """Refuse if the post was deleted or its thread locked (or, `to_answer`, closed) since
    the view checked, reading both under their row locks.

    The services that add to a thread or settle an answer decide again on these rows, as
    `post_delete_own` does: the view's copy may be stale by the time the transaction runs,
    and the lock makes a concurrent deletion wait for this post or see it.
    Who may act is the view's check; only what a concurrent request can change is re-read.
    """
    question = Question.objects.select_for_update().get(pk=post.thread.pk)
    deleted = question.deleted_at
    if isinstance(post, Answer):
        deleted = deleted or Answer.objects.select_for_update().get(pk=post.pk).deleted_at
    if deleted:
        raise PermissionDenied(gettext("Ce message a été supprimé entre-temps."))
    if question.locked_at or (to_answer and question.closed_at):
        raise PermissionDenied(gettext("Ce fil a été fermé entre-temps : rien n'a été enregistré."))


@_files_follow_the_transaction
@transaction.atomic
def answer_create(
    *, question: Question, author, body: str, attachments: Iterable[CheckedFile] = ()
) -> Answer:
    """Answer a question (or reply in a discussion); the answerer follows the thread."""
    _check_still_open(question, to_answer=True)
    body = clean_text(body).strip()
    now = timezone.now()
    answer = Answer.objects.create(
        question=question,
        author=author,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
        updated_at=now,
    )
    Question.objects.filter(pk=question.pk).update(
        answer_count=F("answer_count") + 1, last_activity_at=now
    )
    files = _attach(answer, uploader=author, files=attachments)
    _first_revision(answer, author=author, attachments=files)
    QuestionFollow.objects.get_or_create(user=author, question=question)
    _send(signals.answer_created, Answer, answer=answer)
    return answer


@_files_follow_the_transaction
@transaction.atomic
def comment_create(
    *, post: Question | Answer, author, body: str, attachments: Iterable[CheckedFile] = ()
) -> Comment:
    _check_still_open(post)
    body = clean_text(body).strip()
    now = timezone.now()
    comment = Comment.objects.create(
        **({"question": post} if isinstance(post, Question) else {"answer": post}),
        author=author,
        body=body,
        body_html=render_inline(body),
        created_at=now,
        updated_at=now,
    )
    _touch(post.thread, now)
    files = _attach(comment, uploader=author, files=attachments)
    _first_revision(comment, author=author, attachments=files)
    _send(signals.comment_created, Comment, comment=comment)
    return comment


# --- Votes and "same problem" --------------------------------------------------------------


def _lock_votes_on(post: Question | Answer) -> None:
    """Every vote change on a post waits for this row lock, so the decisions below read a vote
    no concurrent click can create or delete meanwhile (a vote row that does not exist yet
    cannot be locked itself). SQLite serialises writers already."""
    list(type(post).objects.select_for_update().filter(pk=post.pk).values_list("pk", flat=True))


def _current_vote(user, post: Question | Answer) -> Vote | None:
    return Vote.objects.filter(user=user, **{post.post_kind: post}).first()


@transaction.atomic
def vote_cast(*, user, post: Question | Answer, value: int) -> Vote:
    """+1 or −1; voting again the other way changes the vote; the score stays exact, even
    when several processes handle clicks of the same member at once."""
    if value not in (-1, 1):
        raise ValueError("A vote is +1 or -1.")
    _lock_votes_on(post)
    model = type(post)
    vote = _current_vote(user, post)
    if vote is None:
        vote = Vote.objects.create(user=user, value=value, **{post.post_kind: post})
        model.objects.filter(pk=post.pk).update(score=F("score") + value)
    elif vote.value != value:
        model.objects.filter(pk=post.pk).update(score=F("score") + (value - vote.value))
        vote.value = value
        vote.save(update_fields=["value"])
    return vote


@transaction.atomic
def vote_toggle(*, user, post: Question | Answer, value: int) -> int:
    """The vote button: +1 or −1 casts (or changes) the vote; the same value again, or 0,
    withdraws it. Decided under the post's vote lock, so two quick clicks on the same button
    cast then withdraw, never cast twice. Returns the member's vote now (0: none)."""
    _lock_votes_on(post)
    current = _current_vote(user, post)
    if value == 0 or (current is not None and value == current.value):
        vote_withdraw(user=user, post=post)
        return 0
    vote_cast(user=user, post=post, value=value)
    return value


@transaction.atomic
def vote_withdraw(*, user, post: Question | Answer) -> None:
    _lock_votes_on(post)
    vote = _current_vote(user, post)
    if vote is None:
        return
    vote.delete()
    type(post).objects.filter(pk=post.pk).update(score=F("score") - vote.value)


@transaction.atomic
def same_problem_toggle(*, user, question: Question) -> bool:
    """Add or withdraw "same problem here"; returns whether the member now shares it."""
    deleted, _ = SameProblem.objects.filter(user=user, question=question).delete()
    if deleted:
        Question.objects.filter(pk=question.pk).update(
            same_problem_count=F("same_problem_count") - 1
        )
        active = False
    else:
        try:
            with transaction.atomic():
                SameProblem.objects.create(user=user, question=question)
        except IntegrityError:
            return True
        Question.objects.filter(pk=question.pk).update(
            same_problem_count=F("same_problem_count") + 1
        )
        active = True
    return active


# --- Acceptance and expert validation ------------------------------------------------------


@transaction.atomic
def answer_accept(*, answer: Answer, by) -> Answer:
    _check_still_open(answer)
    question = answer.question
    Question.objects.filter(pk=question.pk).update(
        accepted_answer=answer, last_activity_at=timezone.now()
    )
    question.accepted_answer = answer
    _faq_needs_review(FaqPromotion.objects.filter(question=question).exclude(answer=answer))
    _send(signals.answer_accepted, Answer, answer=answer, by=by)
    _record("answer_accepted", answer)
    return answer


@transaction.atomic
def answer_unaccept(*, question: Question, by) -> None:
    Question.objects.filter(pk=question.pk).update(accepted_answer=None)
    question.accepted_answer = None


@transaction.atomic
def answer_validate(*, answer: Answer, by) -> Answer:
    """The expert mark: shown with the expert's name and function, apart from acceptance."""
    _check_still_open(answer)
    now = timezone.now()
    Answer.objects.filter(pk=answer.pk).update(validated_by=by, validated_at=now)
    answer.validated_by, answer.validated_at = by, now
    _touch(answer.question, now)
    _send(signals.answer_validated, Answer, answer=answer, by=by)
    _record("answer_validated", answer)
    return answer


@transaction.atomic
def answer_unvalidate(*, answer: Answer, by) -> None:
    Answer.objects.filter(pk=answer.pk).update(validated_by=None, validated_at=None)
    answer.validated_by, answer.validated_at = None, None


# --- Edits, revisions, rollback ------------------------------------------------------------


def _next_revision_number(post) -> int:
    last = Revision.objects.filter(**{post.post_kind: post}).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


def _apply(post: Post, *, title: str | None, body: str, now) -> list[str]:
    fields = ["body", "body_html", "updated_at"]
    post.body = body
    post.body_html = _rendered(post, body)
    post.updated_at = now
    if isinstance(post, Question) and title is not None:
        post.title = title
        post.slug = _slug(title)
        fields += ["title", "slug"]
    return fields


@_files_follow_the_transaction
@transaction.atomic
def post_edit(
    *,
    post: Post,
    by,
    body: str,
    title: str | None = None,
    topics: Iterable[Topic] | None = None,
    summary: str = "",
    attachments: Iterable[CheckedFile] = (),
    remove: Iterable[Attachment] = (),
) -> Revision:
    """Edit a post, with the checked files the edit adds and the post's files it removes, and
    store the new version and the files it has; a moderator editing someone else's post is
    logged. A removed file leaves the post (`Attachment.removed_at`) but not the earlier
    versions, which keep it: it stays stored until a moderator removes it for good
    (`attachment_remove`)."""
    # Lock the post row: two simultaneous edits get consecutive revision numbers.
    post = type(post).objects.select_for_update().get(pk=post.pk)
    now = timezone.now()
    removed = [attachment.pk for attachment in remove]
    if removed:  # first, as the new files: the new text's references read what the post has
        post.attachments.current().filter(pk__in=removed).update(removed_at=now)
    _attach(post, uploader=by, files=attachments)
    body = clean_text(body).strip()
    title = clean_text(title).strip() if title is not None else None
    fields = _apply(post, title=title, body=body, now=now)
    post.save(update_fields=fields)
    if isinstance(post, Question) and topics is not None:
        post.topics.set(list(topics))
    revision = Revision.objects.create(
        **{post.post_kind: post},
        number=_next_revision_number(post),
        title=post.title if isinstance(post, Question) else "",
        body=body,
        author=by,
        summary=clean_text(summary).strip()[:200],
        created_at=now,
    )
    revision.attachments.set(post.attachments.current())
    if post.author_id != getattr(by, "pk", None):
        _log_on_post(post, by=by, kind=ModerationKind.EDIT, reason=revision.summary)
    _touch(post.thread, now)
    if isinstance(post, Question):
        _faq_needs_review(FaqPromotion.objects.filter(question=post))
    elif isinstance(post, Answer):
        _faq_needs_review(
            FaqPromotion.objects.filter(Q(answer=post) | Q(question__accepted_answer=post))
        )
    _send(signals.post_edited, type(post), post=post, by=by)
    return revision


@transaction.atomic
def post_rollback(*, post: Post, revision: Revision, by, reason: str = "") -> Revision:
    """Moderators restore an earlier version; it becomes a new version (history never shrinks).
    The files an edit removed since that version come back; files added since stay (a rollback
    never takes a file away: `attachment_remove` does, with a reason)."""
    summary = reason or f"Retour à la version {revision.number}"
    revision.attachments.filter(removed_at__isnull=False).update(removed_at=None)
    new = post_edit(
        post=post,
        by=by,
        body=revision.body,
        title=revision.title if isinstance(post, Question) else None,
        summary=summary,
    )
    _log_on_post(
        post,
        by=by,
        kind=ModerationKind.ROLLBACK,
        reason=f"v{revision.number} → v{new.number}. {reason}".strip(),
    )
    return new


def _log_on_post(post: Post, *, by, kind, reason=""):
    thread = post.thread
    return _log(
        by=by,
        kind=kind,
        question=thread,
        answer=post if isinstance(post, Answer) else None,
        comment=post if isinstance(post, Comment) else None,
        reason=reason,
    )


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by, reason: str) -> ModerationAction:
    """A moderator removes one attachment for good: the row goes, its file and thumbnail are
    deleted from the storage once the transaction commits, and the moderation log of the
    thread keeps the file's name and the reason. Nobody, moderators included, can download it
    afterwards (404)."""
    post = attachment.post
    action = _log_on_post(
        post,
        by=by,
        kind=ModerationKind.ATTACHMENT_REMOVED,
        reason=f"« {attachment.original_name} » : {clean_text(reason).strip()}",
    )
    names = [name for name in (attachment.file.name, attachment.thumbnail.name) if name]
    attachment.delete()
    _render_again(post)  # a reference to the file becomes plain text
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
    return action


# --- Flags ---------------------------------------------------------------------------------


@transaction.atomic
def flag_create(*, post: Post, reporter, reason: str, text: str = "") -> Flag:
    """Report a post; a second report by the same member while the first is open updates it."""
    if reason not in FlagReason.values:
        raise ValueError(f"Unknown flag reason {reason!r}")
    text = clean_text(text).strip()
    existing = (
        Flag.objects.select_for_update()
        .filter(reporter=reporter, status=FlagStatus.OPEN, **{post.post_kind: post})
        .first()
    )
    if existing:
        existing.reason, existing.text = reason, text
        existing.save(update_fields=["reason", "text"])
        return existing
    flag = Flag.objects.create(
        reporter=reporter, reason=reason, text=text, **{post.post_kind: post}
    )
    _send(signals.flag_created, Flag, flag=flag)
    return flag


@transaction.atomic
def flag_resolve(*, flag: Flag, by, accepted: bool, note: str = "") -> Flag:
    """A moderator handles a report: retained (action taken) or dismissed."""
    flag.status = FlagStatus.ACCEPTED if accepted else FlagStatus.DISMISSED
    flag.handled_by, flag.handled_at = by, timezone.now()
    flag.save(update_fields=["status", "handled_by", "handled_at"])
    verdict = "retenu" if accepted else "écarté"
    _log_on_post(
        flag.post,
        by=by,
        kind=ModerationKind.FLAG,
        reason=f"Signalement « {flag.get_reason_display()} » {verdict}. {note}".strip(),
    )
    return flag


# --- Thread moderation ---------------------------------------------------------------------


@transaction.atomic
def question_close(
    *, question: Question, by, reason: str, note: str = "", log_kind=ModerationKind.CLOSE
) -> Question:
    if reason not in CloseReason.values:
        raise ValueError(f"Unknown close reason {reason!r}")
    question.closed_at = timezone.now()
    question.close_reason = reason
    question.close_note = clean_text(note).strip()[:500]
    question.save(update_fields=["closed_at", "close_reason", "close_note"])
    if log_kind == ModerationKind.CLOSE:
        _log(by=by, kind=log_kind, question=question, reason=_close_text(question))
    return question


def _close_text(question):
    label = str(CloseReason(question.close_reason).label)
    return f"{label}. {question.close_note}".strip() if question.close_note else label


@transaction.atomic
def question_reopen(*, question: Question, by, reason: str = "") -> Question:
    question.closed_at = None
    question.close_reason = ""
    question.close_note = ""
    question.duplicate_of = None
    question.save(update_fields=["closed_at", "close_reason", "close_note", "duplicate_of"])
    _log(by=by, kind=ModerationKind.REOPEN, question=question, reason=reason)
    return question


class DuplicateLoopError(ValueError):
    """Marking this duplicate would make the questions point at each other."""


def duplicate_target(question: Question, canonical: Question) -> Question:
    """Where `question` will point if marked a duplicate of `canonical`: the end of
    `canonical`'s chain of duplicates, so links never go round in circles. Raises
    `DuplicateLoopError` when the chain comes back to `question` (or to itself)."""
    seen = {question.pk}
    target = canonical
    while target.pk not in seen:
        if target.duplicate_of_id is None:
            return target
        seen.add(target.pk)
        target = target.duplicate_of
    raise DuplicateLoopError(f"Question {question.pk} cannot duplicate {canonical.pk}.")


@transaction.atomic
def question_mark_duplicate(
    *, question: Question, canonical: Question, by, reason: str = ""
) -> Question:
    """Close as a duplicate: the thread then points to the end of `canonical`'s chain."""
    canonical = duplicate_target(question, canonical)
    question.duplicate_of = canonical
    question.save(update_fields=["duplicate_of"])
    question_close(
        question=question,
        by=by,
        reason=CloseReason.DUPLICATE,
        note=reason,
        log_kind=ModerationKind.DUPLICATE,
    )
    _log(
        by=by,
        kind=ModerationKind.DUPLICATE,
        question=question,
        other_question=canonical,
        reason=reason,
    )
    return question


@transaction.atomic
def question_lock(*, question: Question, by, reason: str = "") -> Question:
    """A locked thread is read-only for everyone but moderators (no answers, votes, edits)."""
    question.locked_at = timezone.now()
    question.save(update_fields=["locked_at"])
    _log(by=by, kind=ModerationKind.LOCK, question=question, reason=reason)
    return question


@transaction.atomic
def question_unlock(*, question: Question, by, reason: str = "") -> Question:
    question.locked_at = None
    question.save(update_fields=["locked_at"])
    _log(by=by, kind=ModerationKind.UNLOCK, question=question, reason=reason)
    return question


@transaction.atomic
def post_delete(*, post: Post, by, reason: str = "") -> Post:
    """Soft delete: hidden from members, kept for moderators, restorable.

    `post_deleted` goes out inside the transaction: the copies of the post the layers above
    keep (notification excerpts, queued e-mails) are erased with it, or nothing is deleted.
    """
    post.deleted_at = timezone.now()
    post.save(update_fields=["deleted_at"])
    signals.post_deleted.send(sender=type(post), post=post)
    if isinstance(post, Answer):
        Question.objects.filter(pk=post.question_id).update(answer_count=F("answer_count") - 1)
        Question.objects.filter(pk=post.question_id, accepted_answer=post).update(
            accepted_answer=None
        )
    _log_on_post(post, by=by, kind=ModerationKind.DELETE, reason=reason)
    if isinstance(post, Question | Answer):
        _visibility_changed(post.thread)
    return post


@transaction.atomic
def post_delete_own(*, post: Post, by) -> Post:
    """The author deletes their own post: the moderators' soft delete, logged under the
    author's name, restorable by a moderator.

    Decided again under the rows' locks: an answer, an acceptance or a validation that came
    in after the confirmation page refuses the deletion (`PermissionDenied` carrying the
    reason) and changes nothing.
    """
    question = Question.objects.select_for_update().get(pk=post.thread.pk)
    if isinstance(post, Question):
        post = question
    else:
        post = type(post).objects.select_for_update().get(pk=post.pk)
        if isinstance(post, Answer):
            post.question = question
        elif post.question_id:
            post.question = question
        else:
            post.answer = Answer.objects.select_related("question").get(pk=post.answer_id)
    permissions.check_delete_own_post(by, post)
    return post_delete(post=post, by=by, reason=OWN_DELETE_REASON)


@transaction.atomic
def post_restore(*, post: Post, by, reason: str = "") -> Post:
    post.deleted_at = None
    post.save(update_fields=["deleted_at"])
    if isinstance(post, Answer):
        Question.objects.filter(pk=post.question_id).update(answer_count=F("answer_count") + 1)
    _log_on_post(post, by=by, kind=ModerationKind.RESTORE, reason=reason)
    if isinstance(post, Question | Answer):
        _visibility_changed(post.thread)
    return post


@transaction.atomic
def merge_duplicate_answers(*, duplicate: Question, by, reason: str = "") -> int:
    """Move a duplicate's answers (with their votes and comments) to its canonical question.

    Returns the number of answers moved. The duplicate's acceptance does not carry over: the
    canonical asker decides on their own thread.
    """
    canonical = duplicate.duplicate_of
    if canonical is None:
        raise ValueError("Only a duplicate can be merged.")
    answers = Answer.objects.filter(question=duplicate)
    alive = answers.filter(deleted_at__isnull=True).count()
    moved = answers.update(question=canonical, moved_from=duplicate)
    Question.objects.filter(pk=duplicate.pk).update(answer_count=0, accepted_answer=None)
    Question.objects.filter(pk=canonical.pk).update(
        answer_count=F("answer_count") + alive, last_activity_at=timezone.now()
    )
    duplicate.answer_count, duplicate.accepted_answer = 0, None
    text = f"{moved} réponse(s). {reason}".strip()
    _log(
        by=by,
        kind=ModerationKind.MERGE,
        question=duplicate,
        other_question=canonical,
        reason=text,
    )
    _log(
        by=by,
        kind=ModerationKind.MERGE,
        question=canonical,
        other_question=duplicate,
        reason=text,
    )
    _visibility_changed(duplicate)
    _visibility_changed(canonical)
    return moved


# --- Personal data ---------------------------------------------------------------------------


def author_context_erase(*, user) -> int:
    """Erasure of an account (`directory.signals.account_erasing`, inside its transaction):
    its questions lose the function and structure recorded when asked, since « Ancien membre,
    Secrétaire de mairie — Barrême » still names one person in a village. Returns how many."""
    questions = list(
        Question.objects.filter(author=user).exclude(author_function="", author_structure=None)
    )
    Question.objects.filter(pk__in=[q.pk for q in questions]).update(
        author_function="", author_structure=None
    )
    for question in questions:
        _visibility_changed(question)  # search re-indexes it without the structure
    return len(questions)


# --- Drafts ----------------------------------------------------------------------------------


@transaction.atomic
def draft_save(
    *,
    user,
    question: Question | None = None,
    kind: str = QuestionKind.QUESTION,
    title: str = "",
    body: str = "",
    topics: Iterable[Topic] = (),
) -> Draft | None:
    """Keep what a member typed: their draft of a new question (`question=None`: kind, title,
    body, topics) or of an answer on `question` (body). An empty text removes the draft
    instead (returns None). Never publishes anything. The view checks that the member may ask
    or answer there; the form bounds the lengths."""
    title = title.strip() if question is None else ""
    body = body.strip()
    drafts = Draft.objects.filter(user=user, question=question)
    if not title and not body:
        drafts.delete()
        return None
    draft, _created = Draft.objects.update_or_create(
        user=user,
        question=question,
        defaults={
            "kind": kind if question is None else QuestionKind.QUESTION,
            "title": title,
            "body": body,
            "updated_at": timezone.now(),
        },
    )
    if question is None:
        draft.topics.set(topics)
    return draft


def draft_discard(*, user, question: Question | None = None) -> None:
    """Publishing removes the member's draft of that new question or of that answer."""
    Draft.objects.filter(user=user, question=question).delete()


def draft_delete(*, draft: Draft, by) -> None:
    """A member deletes one of their own drafts."""
    if draft.user_id != by.pk:
        raise PermissionDenied(gettext("Ce brouillon n'est pas le vôtre."))
    draft.delete()


# --- FAQ -----------------------------------------------------------------------------------


@transaction.atomic
def faq_promote(*, question: Question, answer: Answer, by) -> FaqPromotion:
    """Promote a question with its accepted or expert-validated answer to the FAQ."""
    if answer.question_id != question.pk:
        raise ValueError("The answer must belong to the question.")
    if not (question.accepted_answer_id == answer.pk or answer.validated_at):
        raise ValueError("Only an accepted or validated answer goes to the FAQ.")
    promotion, _ = FaqPromotion.objects.update_or_create(
        question=question,
        defaults={"answer": answer, "promoted_by": by, **_faq_version(question, answer)},
    )
    _log(by=by, kind=ModerationKind.FAQ, question=question, answer=answer)
    return promotion


def _faq_version(question: Question, answer: Answer) -> dict:
    """What the public FAQ will show, frozen now: only a moderator changes it afterwards."""
    return {
        "title": question.title,
        "answer_html": answer.body_html,
        "approved_at": timezone.now(),
        "review_requested_at": None,
    }


def _faq_needs_review(promotions) -> None:
    """The thread behind these FAQ entries changed: a moderator approves before the FAQ does."""
    promotions.filter(review_requested_at__isnull=True).update(review_requested_at=timezone.now())


@transaction.atomic
def faq_approve_revision(*, question: Question, by) -> FaqPromotion:
    """A moderator approves the thread's current title and reference answer for the FAQ."""
    promotion = (
        FaqPromotion.objects.select_for_update(of=("self",))
        .select_related("question__accepted_answer", "answer")
        .get(question=question)
    )
    answer = promotion.reference_answer
    promotion.answer = answer
    for name, value in _faq_version(promotion.question, answer).items():
        setattr(promotion, name, value)
    promotion.save()
    _log(by=by, kind=ModerationKind.FAQ, question=question, answer=answer)
    return promotion


@transaction.atomic
def faq_withdraw(*, question: Question, by, reason: str = "") -> None:
    deleted, _ = FaqPromotion.objects.filter(question=question).delete()
    if deleted:
        _log(by=by, kind=ModerationKind.FAQ_WITHDRAW, question=question, reason=reason)


# --- Follows -------------------------------------------------------------------------------


@transaction.atomic
def question_follow(*, user, question: Question) -> QuestionFollow:
    follow, _created = QuestionFollow.objects.get_or_create(user=user, question=question)
    return follow


@transaction.atomic
def question_unfollow(*, user, question: Question) -> None:
    QuestionFollow.objects.filter(user=user, question=question).delete()


@transaction.atomic
def topic_follow(*, user, topic: Topic) -> TopicFollow:
    follow, _created = TopicFollow.objects.get_or_create(user=user, topic=topic)
    return follow


@transaction.atomic
def topic_unfollow(*, user, topic: Topic) -> None:
    TopicFollow.objects.filter(user=user, topic=topic).delete()


def topic_follow_seen(*, user, topic: Topic, visited: bool = True) -> bool:
    """Whether the member follows the topic. When they `visited` (GET) its page, its questions
    are no longer new in « Mes suivis »: one UPDATE, whose row count also answers."""
    if not user.is_authenticated:
        return False
    follows = TopicFollow.objects.filter(user=user, topic=topic)
    if not visited:
        return follows.exists()
    return follows.update(seen_at=timezone.now()) > 0


# --- Unread markers (last visit of each thread) ---------------------------------------------


def thread_visit_record(*, user, question: Question, when, previous=None, unseen=0) -> None:
    """Remember that `user` saw `question` as it was at `when` (taken before the thread was
    read: a post published while the page was being built stays new). One upsert query.

    `previous` is the visit this one follows and `unseen` how many posts it showed as new.
    A visit soon after the previous one that showed nothing new writes nothing: no post by
    someone else was published between the two, so moving the marker would change no
    « Nouveau » (issue 16: a reload is a member's commonest request, and the write cost more
    than reading the thread). The marker still moves once it is older than
    `QA_THREAD_VISIT_REFRESH_SECONDS`, for the export and the pruning that read its date."""
    recent = timedelta(seconds=settings.QA_THREAD_VISIT_REFRESH_SECONDS)
    if previous is not None and not unseen and when - previous < recent:
        return
    ThreadVisit.objects.bulk_create(
        [ThreadVisit(user=user, question=question, seen_at=when)],
        update_conflicts=True,
        unique_fields=["user", "question"],
        update_fields=["seen_at"],
    )


def thread_visits_prune(*, now=None) -> int:
    """Delete the markers older than `QA_THREAD_VISIT_RETENTION_DAYS` and those of deleted
    threads (`manage.py prune_thread_visits`). A thread without marker simply shows nothing
    as new. Returns how many rows went."""
    limit = (now or timezone.now()) - timedelta(days=settings.QA_THREAD_VISIT_RETENTION_DAYS)
    deleted, _by_model = ThreadVisit.objects.filter(
        Q(seen_at__lt=limit) | Q(question__deleted_at__isnull=False)
    ).delete()
    return deleted

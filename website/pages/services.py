"""Writes of the CMS layer: drafting a regulatory update from an editor's tooling, marking
threads "à revérifier" and clearing them; the text of the editors' documents, for search.

Side effects (the signals the notifications layer listens to) run in `transaction.on_commit`.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.coreutils import find_available_slug
from wagtail.documents import get_document_model

from qa.extraction import READERS, extract_text
from qa.models import Question
from website.pages.models import (
    AffectedQuestion,
    DocumentText,
    QuestionRecheck,
    RegulatoryDocument,
    RegulatoryIndexPage,
    RegulatoryUpdatePage,
    ResourceDocument,
)
from website.pages.permissions import check_draft_update
from website.pages.signals import question_marked_for_recheck, rechecks_recorded
from website.search import signals as search_signals

logger = logging.getLogger(__name__)


@transaction.atomic
def regulatory_update_draft(
    *, author, fields: dict, topics, questions=(), submit: bool = True
) -> RegulatoryUpdatePage:
    """A draft regulatory update under the watch page, written by `author` as in the admin.

    Wagtail's own page permissions decide (adding a page under `/veille/`: editors); the page
    is validated by its model (`clean`, `full_clean`), its rich text sanitised on save, and it
    is saved as a revision that stays unpublished. With `submit`, it enters the page's workflow
    (the second-editor review): another editor's approval publishes it, and publication marks
    `questions` « à revérifier » (`rechecks_open_for_update`), exactly as for a page drafted in
    the admin. Raises `PermissionDenied`, or `ValidationError` with the model's messages.
    """
    index = RegulatoryIndexPage.objects.first()
    check_draft_update(author, index)
    update = RegulatoryUpdatePage(
        **fields,
        slug=find_available_slug(index, slugify(fields["title"])[:200] or "texte"),
        owner=author,
        live=False,
    )
    update.topics = list(topics)
    update.affected_questions = [
        AffectedQuestion(question=question, sort_order=order)
        for order, question in enumerate(questions)
    ]
    index.add_child(instance=update)
    update.save_revision(user=author, log_action=True)
    if submit:
        workflow = update.get_workflow()
        if workflow is not None:
            workflow.start(update, user=author)
    return update


def affectable_questions(ids) -> list[Question]:
    """The live threads among `ids`, in the order given (an editor's chooser offers these)."""
    found = Question.objects.alive().in_bulk(list(ids))
    return [found[pk] for pk in ids if pk in found]


@transaction.atomic
def rechecks_open_for_update(*, update: RegulatoryUpdatePage) -> list[QuestionRecheck]:
    """Mark every thread the published update affects as "à revérifier".

    Idempotent: republishing (a typo fixed) does not flag a thread twice for the same update,
    nor re-open a check an expert already made against it; a thread added to the update later
    is flagged at the next publication.
    """
    question_ids = list(
        AffectedQuestion.objects.filter(
            page_id=update.pk, question__deleted_at__isnull=True
        ).values_list("question_id", flat=True)
    )
    already = set(
        QuestionRecheck.objects.filter(
            update_id=update.pk, question_id__in=question_ids
        ).values_list("question_id", flat=True)
    )
    new_ids = [question_id for question_id in question_ids if question_id not in already]
    QuestionRecheck.objects.bulk_create(
        [QuestionRecheck(question_id=question_id, update_id=update.pk) for question_id in new_ids]
    )
    created = list(
        QuestionRecheck.objects.filter(update_id=update.pk, question_id__in=new_ids)
        .select_related("question", "update")
        .order_by("pk")
    )

    def announce():
        for recheck in created:
            question_marked_for_recheck.send(
                sender=QuestionRecheck,
                question=recheck.question,
                update=recheck.update,
                recheck=recheck,
            )

    transaction.on_commit(announce)
    if created:
        rechecks_recorded.send(sender=QuestionRecheck, rechecks=created)
    return created


@transaction.atomic
def recheck_clear(*, recheck: QuestionRecheck, by, note: str = "") -> QuestionRecheck:
    """An expert re-validated the thread against the update: the banner goes away.

    The row stays as the record "vérifié au regard de <update> le <date>".
    """
    recheck = QuestionRecheck.objects.select_for_update().get(pk=recheck.pk)
    if recheck.cleared_at is not None:
        return recheck
    recheck.cleared_at = timezone.now()
    recheck.cleared_by = by
    recheck.note = note.strip()
    recheck.save(update_fields=["cleared_at", "cleared_by", "note"])
    return recheck


def on_page_published(sender, instance, **kwargs):
    """Wagtail's `page_published` receiver (connected in `apps.py`)."""
    if isinstance(instance, RegulatoryUpdatePage):
        rechecks_open_for_update(update=instance)


def document_text_extract(document_id: int) -> int:
    """Read a Wagtail document's text for search (`qa.extraction.extract_text`, the attachments'
    reader and caps) into its `DocumentText`, unless this file was already read (`file_hash`);
    then the pages that link it are indexed again. Returns the number of characters."""
    document = get_document_model().objects.filter(pk=document_id).first()
    if document is None:
        return 0
    file_hash = document.get_file_hash()  # computed and saved if Wagtail has not yet
    known = DocumentText.objects.filter(document=document).first()
    if known is not None and known.file_hash == file_hash:
        return len(known.text)
    content = b""
    if document.file_extension.lower() in READERS:
        try:
            with document.file.open("rb") as stored:
                content = stored.read()
        except OSError:
            logger.warning("Document %s: file missing, no text extracted", document_id)
    text = extract_text(content, document.file_extension)
    DocumentText.objects.update_or_create(
        document=document,
        defaults={"text": text, "file_hash": file_hash, "extracted_at": timezone.now()},
    )
    pages = [
        *ResourceDocument.objects.filter(document=document).values_list("page_id", flat=True),
        *RegulatoryDocument.objects.filter(document=document).values_list("page_id", flat=True),
    ]
    search_signals.schedule([f"page:{pk}" for pk in sorted(set(pages))])
    return len(text)

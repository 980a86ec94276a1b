"""Receivers that keep the index in step with the database.

Each receiver only names the uids to refresh; they are gathered per transaction and sent
after the commit as one `sync_documents` task (which rebuilds each document from the
database, so a repeated or late update is harmless). Lower layers are heard through Django
model signals, Wagtail's page signals and `qa.signals`.
"""

import contextlib
import threading

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from directory.models import Competence, Person, Position, Structure, TopicInterest
from qa import signals as qa_signals
from qa.agenda import signals as agenda_signals
from qa.agenda.models import Proposal
from qa.models import Answer, Attachment, Comment, Question
from taxonomy.models import Topic

_pending = threading.local()


def schedule(uids) -> None:
    """Refresh these uids once the current transaction commits (at once outside one)."""
    uids = [u for u in uids if u]
    if not uids or getattr(_pending, "paused", False):
        return
    bucket = getattr(_pending, "uids", None)
    if bucket is None:
        bucket = _pending.uids = set()
    bucket.update(uids)
    transaction.on_commit(_flush, robust=True)


@contextlib.contextmanager
def live_updates_paused():
    """Refresh nothing inside this block, its commit callbacks included: for a bulk load that
    builds the whole index afterwards (`load_demo`), instead of one update per object — sent,
    on a fresh install, to an index that does not exist yet."""
    previous = getattr(_pending, "paused", False)
    _pending.paused = True
    try:
        yield
    finally:
        _pending.paused = previous


def _flush():
    from website.search.tasks import sync_documents

    uids = sorted(getattr(_pending, "uids", None) or ())
    _pending.uids = set()
    if uids:
        sync_documents.enqueue(uids)


# --- Q&A ---------------------------------------------------------------------------------------


def _question_saved(sender, instance, **kwargs):
    schedule([f"question:{instance.pk}"])


def _answer_saved(sender, instance, **kwargs):
    schedule([f"question:{instance.question_id}"])


def _thread_of(post) -> int | None:
    if isinstance(post, Question):
        return post.pk
    if isinstance(post, Answer):
        return post.question_id
    return post.question_id or (post.answer.question_id if post.answer_id else None)


def _attachment_saved(sender, instance, **kwargs):
    """A file's extracted text (or its removal) changes its thread's document."""
    post = instance.post
    if post is not None:
        schedule([f"question:{_thread_of(post)}"])


def _comment_saved(sender, instance, **kwargs):
    """Comments are not indexed, but the text of their files is: deleting or restoring a
    comment with files changes its thread's document."""
    if Attachment.objects.filter(comment_id=instance.pk).exists():
        schedule([f"question:{_thread_of(instance)}"])


def _question_topics_changed(sender, instance, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        if isinstance(instance, Question):
            schedule([f"question:{instance.pk}"])
        else:
            pks = kwargs.get("pk_set") or ()
            schedule([f"question:{pk}" for pk in pks])


def _question_visibility_changed(sender, question, **kwargs):
    schedule([f"question:{question.pk}"])


# --- Directory and taxonomy ----------------------------------------------------------------


def _person_saved(sender, instance, **kwargs):
    schedule([f"person:{instance.pk}"])


def _person_part_saved(sender, instance, **kwargs):
    schedule([f"person:{instance.person_id}"])


def _structure_saved(sender, instance, created=False, **kwargs):
    uids = [f"structure:{instance.pk}"]
    if not created:
        # People's documents show the structures they work for.
        people = Position.objects.filter(structure_id=instance.pk).values_list(
            "person_id", flat=True
        )
        uids += [f"person:{pk}" for pk in people]
    schedule(uids)


def _competence_saved(sender, instance, **kwargs):
    schedule([f"structure:{instance.structure_id}"])


def _topic_saved(sender, instance, created=False, **kwargs):
    if created:
        return
    uids = [
        f"question:{pk}"
        for pk in Question.objects.filter(topics=instance).values_list("pk", flat=True)
    ]
    uids += [
        f"person:{pk}"
        for pk in TopicInterest.objects.filter(topic=instance).values_list("person_id", flat=True)
    ]
    uids += [
        f"structure:{pk}"
        for pk in Competence.objects.filter(topic=instance).values_list("structure_id", flat=True)
    ]
    schedule(uids)


# --- Wagtail pages -------------------------------------------------------------------------


def _page_and_descendants(page) -> list[str]:
    ids = Page.objects.descendant_of(page, inclusive=True).values_list("pk", flat=True)
    return [f"page:{pk}" for pk in ids]


def _page_changed(sender, instance, **kwargs):
    uids = _page_and_descendants(instance)
    entries = getattr(instance.specific, "entries", None)
    if entries is not None and hasattr(entries, "values_list"):
        uids += [f"faqentry:{pk}" for pk in entries.values_list("pk", flat=True)]
    schedule(uids)


def reindex_on_delete(model) -> None:
    """Remove a registered source's document when its object is deleted (see
    `documents.register_source`; its saves reach the index through its page's publication)."""
    post_delete.connect(
        _source_deleted, sender=model, dispatch_uid=f"search-del-{model._meta.label}"
    )


def _source_deleted(sender, instance, **kwargs):
    schedule([f"{instance._meta.model_name}:{instance.pk}"])


def _page_deleted(sender, instance, **kwargs):
    schedule([f"page:{instance.pk}"])


def _restriction_changed(sender, instance, **kwargs):
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        schedule(_page_and_descendants(page))


def _restriction_groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Only the groups of a restriction changed (the admin's privacy form does this)."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        _restriction_changed(sender, instance)
        return
    for restriction in PageViewRestriction.objects.filter(pk__in=pk_set or ()):
        _restriction_changed(sender, restriction)


def _page_moved(sender, instance, **kwargs):
    """A page moved under (or out of) a restricted section: its subtree's ACL changed."""
    page = Page.objects.filter(pk=instance.pk).first()
    if page is not None:
        schedule(_page_and_descendants(page))


# --- Agenda ------------------------------------------------------------------------------------


def _proposal_changed(sender, proposal, **kwargs):
    schedule([f"proposal:{proposal.pk}"])


def connect():
    post_save.connect(_question_saved, sender=Question, dispatch_uid="search-save-question")
    post_delete.connect(_question_saved, sender=Question, dispatch_uid="search-del-question")
    post_save.connect(_answer_saved, sender=Answer, dispatch_uid="search-save-answer")
    post_delete.connect(_answer_saved, sender=Answer, dispatch_uid="search-del-answer")
    post_save.connect(_attachment_saved, sender=Attachment, dispatch_uid="search-save-attachment")
    post_delete.connect(_attachment_saved, sender=Attachment, dispatch_uid="search-del-attachment")
    post_save.connect(_comment_saved, sender=Comment, dispatch_uid="search-save-comment")
    m2m_changed.connect(
        _question_topics_changed,
        sender=Question.topics.through,
        dispatch_uid="search-question-topics",
    )
    qa_signals.question_visibility_changed.connect(
        _question_visibility_changed, dispatch_uid="search-question-visibility"
    )
    agenda_signals.proposal_changed.connect(
        _proposal_changed, dispatch_uid="search-proposal-changed"
    )
    post_delete.connect(
        lambda sender, instance, **kwargs: schedule([f"proposal:{instance.pk}"]),
        sender=Proposal,
        weak=False,
        dispatch_uid="search-del-proposal",
    )
    post_save.connect(_person_saved, sender=Person, dispatch_uid="search-save-person")
    post_delete.connect(_person_saved, sender=Person, dispatch_uid="search-del-person")
    for model in (Position, TopicInterest):
        post_save.connect(_person_part_saved, sender=model, dispatch_uid=f"search-save-{model}")
        post_delete.connect(_person_part_saved, sender=model, dispatch_uid=f"search-del-{model}")
    post_save.connect(_structure_saved, sender=Structure, dispatch_uid="search-save-structure")
    post_delete.connect(_structure_saved, sender=Structure, dispatch_uid="search-del-structure")
    post_save.connect(_competence_saved, sender=Competence, dispatch_uid="search-save-competence")
    post_delete.connect(_competence_saved, sender=Competence, dispatch_uid="search-del-competence")
    post_save.connect(_topic_saved, sender=Topic, dispatch_uid="search-save-topic")
    page_published.connect(_page_changed, dispatch_uid="search-page-published")
    page_unpublished.connect(_page_changed, dispatch_uid="search-page-unpublished")
    post_delete.connect(_page_deleted, sender=Page, dispatch_uid="search-page-deleted")
    post_page_move.connect(_page_moved, dispatch_uid="search-page-moved")
    m2m_changed.connect(
        _restriction_groups_changed,
        sender=PageViewRestriction.groups.through,
        dispatch_uid="search-restriction-groups",
    )
    post_save.connect(
        _restriction_changed, sender=PageViewRestriction, dispatch_uid="search-restriction-save"
    )
    post_delete.connect(
        _restriction_changed, sender=PageViewRestriction, dispatch_uid="search-restriction-del"
    )

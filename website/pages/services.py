"""Writes of the CMS layer: marking threads "à revérifier" and clearing them.

Side effects (the signals the notifications layer listens to) run in `transaction.on_commit`.
"""

from django.db import transaction
from django.utils import timezone

from website.pages.models import AffectedQuestion, QuestionRecheck, RegulatoryUpdatePage
from website.pages.signals import question_marked_for_recheck, rechecks_recorded


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

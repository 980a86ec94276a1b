"""Signal receivers: the lower layers announce events, we queue the fan-out.

Receivers run no query (except `on_post_deleted` and `on_account_erasing`, which erase copies
inside the sender's transaction): they pass ids to the background task, so a request's cost
does not depend on how many people will be notified. The senders call them after their
transaction commits, and `enqueue_fan_out` swallows (and logs) queueing errors: a
notification problem never undoes or breaks the member's action.
"""

from django.db import transaction

from website.notifications.tasks import enqueue_fan_out


def _pk(obj):
    return getattr(obj, "pk", None)


def on_account_approved(sender, user, approved_by=None, **kwargs):
    enqueue_fan_out("account_approved", {"user_id": user.pk, "approved_by_id": _pk(approved_by)})


def on_entry_changed(sender, change, **kwargs):
    enqueue_fan_out("entry_corrected", {"change_id": change.pk})


def on_question_created(sender, question, **kwargs):
    enqueue_fan_out("question_created", {"question_id": question.pk})


def on_answer_created(sender, answer, **kwargs):
    enqueue_fan_out("answer_created", {"answer_id": answer.pk})


def on_comment_created(sender, comment, **kwargs):
    enqueue_fan_out("comment_created", {"comment_id": comment.pk})


def on_post_edited(sender, post, by=None, **kwargs):
    enqueue_fan_out("post_edited", {"kind": post.post_kind, "post_id": post.pk, "by_id": _pk(by)})


def on_answer_accepted(sender, answer, by=None, **kwargs):
    enqueue_fan_out("answer_accepted", {"answer_id": answer.pk, "by_id": _pk(by)})


def on_answer_validated(sender, answer, by=None, **kwargs):
    enqueue_fan_out("answer_validated", {"answer_id": answer.pk, "by_id": _pk(by)})


def on_flag_created(sender, flag, **kwargs):
    enqueue_fan_out("flag_created", {"flag_id": flag.pk})


def on_account_maybe_pending(sender, request=None, user=None, email_address=None, **kwargs):
    """allauth's `user_signed_up` (an address already verified, ProConnect) and
    `email_confirmed` (a sign-up's address just verified): the account may have entered the
    moderators' queue; the handler checks it did."""
    user_id = user.pk if user is not None else email_address.user_id
    transaction.on_commit(lambda: enqueue_fan_out("account_pending", {"user_id": user_id}))


def on_moderation_action(sender, action, **kwargs):
    enqueue_fan_out("moderation_action", {"action_id": action.pk})


def on_post_deleted(sender, post, **kwargs):
    """The one receiver that writes at once: it runs inside the moderator's deleting
    transaction, so the post's copies go with it (a few bulk updates, whatever the number
    of recipients)."""
    from website.notifications.redaction import redact_deleted_post

    redact_deleted_post(post)


def on_account_erasing(sender, user, **kwargs):
    """Inside the erasure's transaction: other members' notifications and e-mails stop
    naming the person."""
    from website.notifications.services import actor_erase

    actor_erase(user=user)


def on_proposal_scheduled(sender, proposal, meeting, scheduled_by=None, **kwargs):
    enqueue_fan_out(
        "proposal_scheduled",
        {
            "proposal_id": proposal.pk,
            "meeting_id": meeting.pk,
            "scheduled_by_id": _pk(scheduled_by),
        },
    )


def on_proposal_discussed(sender, proposal, by=None, **kwargs):
    enqueue_fan_out("proposal_discussed", {"proposal_id": proposal.pk, "by_id": _pk(by)})


def on_proposal_minutes_published(sender, proposal, by=None, **kwargs):
    enqueue_fan_out(
        "proposal_minutes_published",
        {
            "proposal_id": proposal.pk,
            "by_id": _pk(by),
            # One notification per publication: a replaced minutes is news again.
            "published_at": proposal.minutes_published_at.isoformat(),
        },
    )


def on_meeting_cancelled(sender, meeting, by=None, proposal_ids=(), **kwargs):
    enqueue_fan_out(
        "meeting_cancelled",
        {"meeting_id": meeting.pk, "by_id": _pk(by), "proposal_ids": list(proposal_ids)},
    )


def on_question_marked_for_recheck(sender, question, update, recheck, **kwargs):
    enqueue_fan_out(
        "question_marked_for_recheck",
        {"question_id": question.pk, "recheck_id": recheck.pk, "update": str(update.title)},
    )


def on_page_published(sender, instance, revision=None, **kwargs):
    """Wagtail's `page_published`: only regulatory updates concern us."""
    from website.pages.models import RegulatoryUpdatePage

    if not isinstance(instance, RegulatoryUpdatePage):
        return
    payload = {"page_id": instance.pk, "published_by_id": getattr(revision, "user_id", None)}
    # Wagtail sends this inside the publishing transaction: queue once it is committed.
    transaction.on_commit(lambda: enqueue_fan_out("regulatory_update_published", payload))


def connect() -> None:
    from allauth.account import signals as account_signals
    from anymail.signals import inbound
    from wagtail.signals import page_published

    from directory import signals as directory_signals
    from qa import signals as qa_signals
    from qa.agenda import signals as agenda_signals
    from website.notifications import webhook
    from website.pages import signals as pages_signals

    pairs = [
        (directory_signals.account_approved, on_account_approved),
        (directory_signals.account_erasing, on_account_erasing),
        (directory_signals.entry_changed, on_entry_changed),
        (qa_signals.question_created, on_question_created),
        (qa_signals.answer_created, on_answer_created),
        (qa_signals.comment_created, on_comment_created),
        (qa_signals.post_edited, on_post_edited),
        (qa_signals.answer_accepted, on_answer_accepted),
        (qa_signals.answer_validated, on_answer_validated),
        (qa_signals.moderation_action, on_moderation_action),
        (qa_signals.flag_created, on_flag_created),
        (account_signals.user_signed_up, on_account_maybe_pending),
        (account_signals.email_confirmed, on_account_maybe_pending),
        (qa_signals.post_deleted, on_post_deleted),
        (agenda_signals.proposal_scheduled, on_proposal_scheduled),
        (agenda_signals.proposal_discussed, on_proposal_discussed),
        (agenda_signals.proposal_minutes_published, on_proposal_minutes_published),
        (agenda_signals.meeting_cancelled, on_meeting_cancelled),
        (pages_signals.question_marked_for_recheck, on_question_marked_for_recheck),
        (page_published, on_page_published),
        (inbound, webhook.on_inbound),
    ]
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"notifications.{receiver.__name__}")

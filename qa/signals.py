"""Events of the Q&A layer, for the layers above (notifications, search, pages).

Every signal but `post_deleted` and `event_recorded` is sent by a service of `qa/services.py` inside
`transaction.on_commit`, so a receiver only ever sees committed data and a failing receiver
never rolls back the user's action. `post_deleted` is sent inside the deleting transaction:
what its receivers erase (copies of the post elsewhere) goes with the post, or neither does;
so is `event_recorded`, for records that must commit with the action or not at all.
`sender` is always the model class of the main object. The keyword arguments of each signal
are listed in docs/qa.md ("Signals").
"""

from django.dispatch import Signal

# kwargs: question
question_created = Signal()
# kwargs: answer
answer_created = Signal()
# kwargs: comment
comment_created = Signal()
# kwargs: post (Question, Answer or Comment), by (the author or moderator who edited it)
post_edited = Signal()
# kwargs: answer, by (the asker or moderator who accepted it)
answer_accepted = Signal()
# kwargs: answer, by (the expert)
answer_validated = Signal()
# kwargs: post (Question, Answer or Comment) a moderator soft-deleted; sent in the transaction
post_deleted = Signal()
# kwargs: action (ModerationAction)
moderation_action = Signal()

# kwargs: flag (a new report; a report updated by its author is not new)
flag_created = Signal()
# kwargs: question (the post is visible again or was hidden: search must re-index or drop it)
question_visibility_changed = Signal()
# kwargs: attachment_ids (files stored with a committed post; qa's app config enqueues the
# extraction of their text for search)
attachments_stored = Signal()
# kwargs: event ("question_created", "answer_accepted" or "answer_validated"), instance (the
# Question or Answer). Sent *inside* the writing transaction, unlike the signals above: its
# receiver writes the webhooks' outbox (website/api/webhooks/outbox.py), which must commit with
# the action or not at all. A receiver only writes rows; it never calls anyone.
event_recorded = Signal()

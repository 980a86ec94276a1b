"""Events of the CMS layer, for the notifications layer to listen to.

Sent by `website.pages.services` inside `transaction.on_commit`: receivers see committed data
and a failing receiver never undoes the editor's publication or the expert's check. The one
exception, `rechecks_recorded`, is sent inside the transaction that opens the checks.
"""

from django.dispatch import Signal

# Sent once per thread a published regulatory update makes stale.
# sender: QuestionRecheck; kwargs: question (qa.Question), update (RegulatoryUpdatePage),
# recheck (QuestionRecheck). Who to tell: the asker, the answer authors, the topic experts.
question_marked_for_recheck = Signal()

# Sent once per publication that opens checks, *inside* the transaction that writes them, for
# records that must commit with them (the webhooks' outbox, website/api/webhooks/outbox.py).
# sender: QuestionRecheck; kwargs: rechecks (list of QuestionRecheck, with question and update).
rechecks_recorded = Signal()

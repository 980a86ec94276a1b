"""Events of the directory layer, for the layers above (notifications) to listen to.

Sent by `directory.services` after the transaction commits, except `account_erasing`.
"""

from django.dispatch import Signal

# kwargs: user (the approved account), approved_by (the moderator, or None for an invitation)
account_approved = Signal()
# kwargs: user (the account being erased). Sent INSIDE the erasing transaction, before the
# account is deleted: each layer above erases or anonymises what names the person in its own
# tables (bylines, other members' notifications, stored e-mails), atomically with the erasure.
account_erasing = Signal()
# kwargs: change (the `EntryChange` a moderator's correction or ended position wrote). Sent
# after the commit: the entry's owner is told what changed.
entry_changed = Signal()

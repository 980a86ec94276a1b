"""Events of the directory layer, for the layers above (notifications) to listen to.

Sent by `directory.services` after the transaction commits.
"""

from django.dispatch import Signal

# kwargs: user (the approved account), approved_by (the moderator, or None for an invitation)
account_approved = Signal()

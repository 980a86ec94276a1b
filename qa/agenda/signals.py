"""Events of the agenda, for upper layers (notifications). Sent after the transaction commits.

- `proposal_scheduled(sender=Proposal, proposal=Proposal, meeting=Meeting, scheduled_by=User)`:
  a moderator put a proposal on a meeting's agenda (also sent when moved to another meeting).
"""

from django.dispatch import Signal

proposal_scheduled = Signal()

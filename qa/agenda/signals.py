"""Events of the agenda, for upper layers (notifications, search). Sent after the commit.

- `proposal_scheduled(sender=Proposal, proposal, meeting, scheduled_by)`: a moderator put a
  proposal on a meeting's agenda (also sent when moved to another meeting).
- `proposal_discussed(sender=Proposal, proposal, by)`: the meeting debated it (its minutes
  may come with it, or later).
- `proposal_minutes_published(sender=Proposal, proposal, by)`: the minutes of a discussed
  proposal were published (or replaced) after it was marked discussed.
- `proposal_changed(sender=Proposal, proposal)`: a proposal was created, edited, or changed
  state (the search index follows it).
- `meeting_cancelled(sender=Meeting, meeting, by, proposal_ids)`: a moderator cancelled a
  meeting to come; `proposal_ids` are the subjects that were on its agenda (sent back to the
  open proposals, so no longer linked to it). Sent once: a second cancel is refused.
"""

from django.dispatch import Signal

proposal_scheduled = Signal()
proposal_discussed = Signal()
proposal_minutes_published = Signal()
proposal_changed = Signal()
meeting_cancelled = Signal()

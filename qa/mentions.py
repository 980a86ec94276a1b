"""Who a post's @mentions name, and which of them hear of it (docs/qa.md « @mentions »).

The syntax and its rendering are `qa.markdown`'s; the notifications are sent by the
notification layer, which reads `accounts_to_notify` when a post is created or edited.
"""

from django.conf import settings

from directory.models import Person
from directory.selectors import mentionable_people
from qa.markdown import mentioned_ids


def mentioned_people(post, *, body: str | None = None) -> list[Person]:
    """The listed people a post (or `body`, a new version of it) mentions, each once, in the
    order of first mention (one query). Unlisted or erased people are not mentioned: their
    mention is plain text."""
    text = post.body if body is None else body
    ids = mentioned_ids(text, inline=post.post_kind == "comment")
    people = mentionable_people(ids)
    return [people[pk] for pk in ids if pk in people]


def accounts_to_notify(post) -> list[int]:
    """The accounts of the first `QA_MENTIONS_NOTIFIED_PER_POST` people the post mentions
    (people without an account count in the cap but have no one to notify)."""
    people = mentioned_people(post)[: settings.QA_MENTIONS_NOTIFIED_PER_POST]
    return [person.user_id for person in people if person.user_id is not None]


def mentions_beyond_cap(post, *, body: str | None = None) -> int:
    """How many people the post (or `body`) mentions when that is more than are notified,
    else 0."""
    count = len(mentioned_people(post, body=body))
    return count if count > settings.QA_MENTIONS_NOTIFIED_PER_POST else 0

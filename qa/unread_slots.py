"""The viewer's « Nouveau » marks in list rows whose HTML every viewer shares.

A shared fragment (`directory/fragments.py`) holding list rows cannot hold the viewer's unread
marks. Its rows carry two slots per thread instead, written by `_question_row.html` when
`unread_slots` is set: `<!--unread-anchor:ID-->` at the end of the thread's link and
`<!--unread-badge:ID-->` where the badge goes. The view reads the thread ids from the slots
(`slot_ids`), asks the database once which of them are unread for this viewer
(`qa.selectors.unread_thread_ids`) and fills each slot with the mark or with nothing
(`fill_unread_slots`; `with_unread_marks` does the three).

Every text a fragment shows is escaped by the template (`<` becomes `&lt;`), so no title or
name can write a slot: the only `<!--` in a fragment are the template's own.
"""

from __future__ import annotations

import re

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from qa.selectors import unread_thread_ids

_SLOT = re.compile(r"<!--unread-(anchor|badge):(\d+)-->")


def slot_ids(html: str) -> set[int]:
    """The thread ids of the slots in this HTML."""
    return {int(pk) for _kind, pk in _SLOT.findall(html)}


def fill_unread_slots(html: str, unread: set[int]) -> SafeString:
    """The shared HTML with the marks of the `unread` threads in their slots (from
    `qa.selectors.unread_thread_ids`, asked once for every fragment of the page), the other
    slots emptied."""
    badge = ""
    if unread:
        badge = " " + render_to_string(
            "qa/_new_badge.html",
            {"explanation": _("réponses ou commentaires depuis votre dernière visite")},
        )

    def fill(match):
        if int(match.group(2)) not in unread:
            return ""
        return "#premier-non-lu" if match.group(1) == "anchor" else badge

    return mark_safe(_SLOT.sub(fill, html))  # noqa: S308 — escaped HTML, and our own marks


def with_unread_marks(html: str, user) -> SafeString:
    """`fill_unread_slots` for a fragment that is the page's only one (one query for a member,
    none for a visitor)."""
    return fill_unread_slots(html, unread_thread_ids(slot_ids(html), user))

"""Signed cursors. A client passes back `next_cursor` as `cursor`; a changed or forged one
answers 400 `cursor_invalid`. Questions and regulatory updates page by key (the last row's
date and id); short lists ordered by the site's own rules (the FAQ, the directory, the
agenda) page by position in that order, so the API never re-implements the order."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.utils.translation import gettext as _

from website.api.problems import Problem


def bad_cursor() -> Problem:
    return Problem(
        400, "cursor_invalid", _("Ce curseur n'est pas valide : repartez de la 1re page.")
    )


def load(cursor: str, salt: str):
    try:
        return signing.loads(cursor, salt=salt)
    except signing.BadSignature:
        raise bad_cursor() from None


@dataclass(frozen=True)
class OffsetPage:
    rows: list
    next_cursor: str | None


def offset_page(rows, *, cursor: str | None, limit: int, salt: str) -> OffsetPage:
    """One page of `rows` (a QuerySet, sliced in the database, or a list) from a position
    cursor: `limit + 1` rows are read to know whether another page follows."""
    start = 0
    if cursor:
        start = load(cursor, salt)
        if not isinstance(start, int) or isinstance(start, bool) or start < 0:
            raise bad_cursor()
    found = list(rows[start : start + limit + 1])
    more = len(found) > limit
    return OffsetPage(
        rows=found[:limit],
        next_cursor=signing.dumps(start + limit, salt=salt) if more else None,
    )

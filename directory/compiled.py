"""Queries built through the ORM once per process, then run with their parameters bound.

Building and compiling a small query through the ORM costs more CPU (about a millisecond)
than running it: on a page whose shared parts come from the cache (directory/fragments.py),
the few queries about the viewer were most of its cost. A query of this kind is built once per
database and process with sentinels in place of its parameters (a member's id, a date, a list
of ids padded to its length), and each call binds the real values in their places. The SQL
never changes with the values, so it needs no invalidation; what the query reads is read
fresh on every call.

`website/auth_backends.py` does the same for the user's query (it has its own reasons to stay
apart: it builds model objects with deferred state).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

from django.db import connections, router
from django.db.models import Model, QuerySet

_compiled: dict[tuple[str, str], tuple[str, tuple, tuple[tuple[int, bool], ...]]] = {}


def _compile(name, build, sentinels, alias):
    sql, params = build(*sentinels).query.get_compiler(using=alias).as_sql()
    slots = []
    for sentinel in sentinels:
        # SQLite receives dates as text: the sentinel is found by its text there.
        found = [(n, False) for n, value in enumerate(params) if value == sentinel]
        if isinstance(sentinel, datetime.date):
            found += [(n, True) for n, value in enumerate(params) if value == str(sentinel)]
        if not found:
            raise ValueError(f"The compiled query {name!r} lost its parameter {sentinel!r}.")
        slots.append(tuple(found))
    return sql, tuple(params), tuple(slots)


def _bound(name, build, sentinels, values, model):
    alias = router.db_for_read(model)
    key = (name, alias)
    if key not in _compiled:
        _compiled[key] = _compile(name, build, sentinels, alias)
    sql, template, slots = _compiled[key]
    params = list(template)
    for places, value in zip(slots, values, strict=True):
        for position, as_text in places:
            params[position] = str(value) if as_text else value
    return alias, sql, params


def fetch(
    name: str,
    build: Callable[..., QuerySet],
    sentinels: Sequence,
    values: Sequence,
    *,
    model: type[Model],
) -> list[tuple]:
    """The rows of `build(*sentinels)` run with `values` in the sentinels' places.

    `name` identifies the query (one per call site); each sentinel must be a value the query
    holds nowhere else (a negative id, a date of 1901).
    """
    alias, sql, params = _bound(name, build, sentinels, values, model)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fetch_objects(
    name: str,
    build: Callable[..., QuerySet],
    sentinels: Sequence,
    values: Sequence,
    *,
    model: type[Model],
) -> list[Model]:
    """`fetch` for a query of whole rows of `model` (no `select_related`, no annotations):
    the model objects, as `Model.objects.raw` makes them."""
    alias, sql, params = _bound(name, build, sentinels, values, model)
    return list(model._default_manager.db_manager(alias).raw(sql, params))

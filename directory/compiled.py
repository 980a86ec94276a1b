"""Queries built through the ORM once per process, then run with their parameters bound.

Building and compiling a small query through the ORM costs more CPU (about a millisecond)
than running it: on a page whose shared parts come from the cache (directory/fragments.py),
the few queries about the viewer were most of its cost. A query of this kind is built once per
database and process with sentinels in place of its parameters (a member's id, a date, a list
of ids padded to its length), and each call binds the real values in their places. The SQL
never changes with the values, so it needs no invalidation; what the query reads is read
fresh on every call. The rows come back as the ORM would give them: values converted, and
for a query of model objects, the objects with their `select_related` ones and annotations.

`website/auth_backends.py` does the same for the user's query (it has its own reasons to stay
apart: it builds model objects with deferred state).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


@dataclass(frozen=True)
class _Compiled:
    """A query's SQL with its parameters and where each sentinel sits in them, the converters
    its columns need (as the ORM applies them: dates on SQLite, decimals…), and for a query of
    model objects how the ORM makes them from a row (`ModelIterable`'s steps, done once)."""

    sql: str
    params: tuple
    slots: tuple[tuple[tuple[int, bool], ...], ...]
    converters: tuple
    model_slice: tuple[int, int] = (0, 0)
    init_list: tuple[str, ...] = ()
    related_populators: tuple = ()
    annotations: tuple[tuple[str, int], ...] = ()


_compiled: dict[tuple[str, str], _Compiled] = {}


def _compile(name, build, sentinels, alias, *, models=False) -> _Compiled:
    compiler = build(*sentinels).query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    slots = []
    for sentinel in sentinels:
        # SQLite receives dates as text: the sentinel is found by its text there.
        found = [(n, False) for n, value in enumerate(params) if value == sentinel]
        if isinstance(sentinel, datetime.date):
            found += [(n, True) for n, value in enumerate(params) if value == str(sentinel)]
        if not found:
            raise ValueError(f"The compiled query {name!r} lost its parameter {sentinel!r}.")
        slots.append(tuple(found))
    columns = [column[0] for column in compiler.select[: compiler.col_count]]
    converters = tuple(
        (position, tuple(functions), expression)
        for position, (functions, expression) in compiler.get_converters(columns).items()
    )
    compiled = _Compiled(sql, tuple(params), tuple(slots), converters)
    if not models:
        return compiled
    info, select = compiler.klass_info, compiler.select
    start, end = info["select_fields"][0], info["select_fields"][-1] + 1
    return dataclasses.replace(
        compiled,
        model_slice=(start, end),
        init_list=tuple(column[0].target.attname for column in select[start:end]),
        related_populators=tuple(get_related_populators(info, select, alias)),
        annotations=tuple(compiler.annotation_col_map.items()),
    )


def _run(name, build, sentinels, values, model, *, models=False):
    alias = router.db_for_read(model)
    key = (name, alias)
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compiled[key] = _compile(name, build, sentinels, alias, models=models)
    params = list(compiled.params)
    for places, value in zip(compiled.slots, values, strict=True):
        for position, as_text in places:
            params[position] = str(value) if as_text else value
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    if compiled.converters:
        rows = [_converted(row, compiled.converters, connection) for row in rows]
    return alias, compiled, rows


def _converted(row, converters, connection) -> tuple:
    row = list(row)
    for position, functions, expression in converters:
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return tuple(row)


def fetch(
    name: str,
    build: Callable[..., QuerySet],
    sentinels: Sequence,
    values: Sequence,
    *,
    model: type[Model],
) -> list[tuple]:
    """The rows of `build(*sentinels)` run with `values` in the sentinels' places, their
    values converted as the ORM converts them.

    `name` identifies the query (one per call site); each sentinel must be a value the query
    holds nowhere else (a negative id, a date of 1901).
    """
    return _run(name, build, sentinels, values, model)[2]


def fetch_objects(
    name: str,
    build: Callable[..., QuerySet],
    sentinels: Sequence,
    values: Sequence,
    *,
    model: type[Model],
) -> list[Model]:
    """`fetch` for a query of model objects: the objects as the ORM's own iterable makes them,
    with their `select_related` objects and their annotations."""
    alias, compiled, rows = _run(name, build, sentinels, values, model, models=True)
    start, end = compiled.model_slice
    objects = []
    for row in rows:
        obj = model.from_db(alias, compiled.init_list, row[start:end])
        for populator in compiled.related_populators:
            populator.populate(row, obj)
        for attribute, position in compiled.annotations:
            setattr(obj, attribute, row[position])
        objects.append(obj)
    return objects

"""Conditional UPDATEs of the hot path without the ORM's query compiler.

Every job changes three rows with a condition: the instance (compare-and-set on its version),
the tokens that moved on (on the status they had), the job itself (on its status). Through
`QuerySet.update` Django compiles each statement anew, about 0.25 ms of CPU apiece, more than
the database takes to run it (docs/BENCHMARKS.md, *Where the time goes*). `update_where`
works the SQL and each column's conversion out once per shape of statement, like
engine.store.rows does for INSERTs, and returns the number of rows changed, as `update` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections, models

from engine.store.rows import Adapter, column_adapter

#: (SQL, adapters of the SET values in order)
_Statement = tuple[str, tuple[Adapter | None, ...]]
_statements: dict[tuple[Any, ...], _Statement] = {}


def update_where(
    model: type[models.Model],
    changes: Mapping[str, Any],
    where: Mapping[str, Any],
    *,
    increment: Sequence[str] = (),
    using: str = "default",
) -> int:
    """UPDATE `model` SET each of `changes` (and column = column + 1 for `increment`) WHERE each
    of `where` holds; return how many rows changed.

    Keys are field attnames (`instance_id`). A `where` value that is a tuple or list means IN
    (it must not be empty); any other value means =, with None meaning IS NULL.
    """
    connection = connections[using]
    shape = tuple((name, _form(value)) for name, value in where.items())
    key = (connection.alias, model, tuple(changes), tuple(increment), shape)
    statement = _statements.get(key) or _statements.setdefault(
        key, _build(connection, model, tuple(changes), tuple(increment), shape)
    )
    sql, adapters = statement
    pairs = zip(adapters, changes.values(), strict=True)
    params = [value if adapt is None else adapt(value) for adapt, value in pairs]
    # Conditions as the ORM would send them (SQLite compares timestamps as text in its format).
    adapt_condition = connection.ops.adapt_unknown_value
    for value in where.values():
        if isinstance(value, tuple | list):
            params.extend(adapt_condition(item) for item in value)
        elif value is not None:
            params.append(adapt_condition(value))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _form(value: Any) -> int | str:
    """How a `where` value is compared: "null", "equal", or the length of its IN list."""
    if isinstance(value, tuple | list):
        return len(value)
    return "null" if value is None else "equal"


def _build(
    connection: Any,
    model: type[models.Model],
    changes: tuple[str, ...],
    increment: tuple[str, ...],
    shape: tuple[tuple[str, int | str], ...],
) -> _Statement:
    fields = {field.attname: field for field in model._meta.concrete_fields}
    unknown = [name for name in (*changes, *increment, *(name for name, _ in shape)) if name not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(fields[name].column)

    assignments = [f"{column(name)} = %s" for name in changes]
    assignments += [f"{column(name)} = {column(name)} + 1" for name in increment]
    if not shape:
        raise ValueError(f"{model.__name__}: an UPDATE without a condition would change every row")
    conditions = []
    for name, form in shape:
        if form == "null":
            conditions.append(f"{column(name)} IS NULL")
        elif form == "equal":
            conditions.append(f"{column(name)} = %s")
        elif form == 0:
            raise ValueError(f"{model.__name__}: an empty IN list for {name} matches nothing")
        else:
            conditions.append(f"{column(name)} IN ({', '.join(['%s'] * int(form))})")
    # Only the model's own table and column names, quoted, go into the SQL; values are parameters.
    sql = "UPDATE {} SET {} WHERE {}".format(  # noqa: S608
        quote(model._meta.db_table), ", ".join(assignments), " AND ".join(conditions)
    )
    return sql, tuple(column_adapter(connection, fields[name]) for name in changes)

"""Appending many rows without building a model object per row.

Every command appends a few dozen rows (events, tokens): with `bulk_create`, Django builds a
model instance per row and prepares every field of every row through several layers, which
cost more than the whole kernel run and the SQL together (docs/BENCHMARKS.md, the profile of
the straight-through benchmark). Here the column list, the SQL and one adapter per column are
worked out once per (model, columns); a row is then a plain tuple, sent to PostgreSQL as
multi-row INSERTs (one round trip each) and to SQLite through one prepared single-row INSERT
run for every row (executemany).

Only the field types the engine's append-only tables use are accepted; another type is a
programming error, reported at the first call, never a silent mis-conversion.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connections, models

Adapter = Callable[[Any], Any]


class EncodedJSON(str):
    """A value for a JSON column that is already JSON text: written as it is, not encoded again.

    For the event log, whose payloads are encoded once for the hash chain anyway.
    """

    __slots__ = ()


class _Verbatim(json.JSONEncoder):
    # Handed to the backend's own JSON adaptation (a plain string on SQLite, a jsonb parameter
    # on PostgreSQL), so an EncodedJSON is sent exactly like any encoded value, just not re-encoded.
    def encode(self, o: Any) -> str:
        return str(o) if isinstance(o, EncodedJSON) else super().encode(o)


# Field types whose database value is the Python value itself.
_PLAIN = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.IntegerField,
    models.TextField,
)

#: (prefix "INSERT INTO t (columns) VALUES ", one row's placeholder "(%s, ...)", adapters): the
#: adapters as (position, adapter) of only the columns whose value needs converting.
Statement = tuple[str, str, tuple[tuple[int, Adapter], ...]]
_statements: dict[tuple[str, type[models.Model], tuple[str, ...]], Statement] = {}
#: Bound parameters per statement: under SQLite's oldest limit (999) and far under PostgreSQL's.
MAX_PARAMETERS = 990


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    using: str = "default",
) -> int:
    """INSERT `rows` (tuples of values in the order of `columns`, field attnames) into `model`'s table.

    Values are Python values as the model would hold them (aware datetimes, dicts for JSON
    fields, ids for foreign keys via their attname such as `instance_id`). Returns the number
    of rows written. Defaults are not applied: name every column the table needs.
    """
    batch = list(rows)
    if not batch:
        return 0
    connection = connections[using]
    prefix, placeholder, adapters = _statement(connection, model, tuple(columns))
    if connection.vendor == "sqlite":
        # No round trips to save in-process: one prepared single-row INSERT run for every row
        # (sqlite3's executemany) beats parsing a long multi-row statement each time.
        with connection.cursor() as cursor:
            cursor.executemany(prefix + placeholder, [_adapted(adapters, len(columns), row) for row in batch])
        return len(batch)
    values = [value for row in batch for value in _adapted(adapters, len(columns), row)]
    # One multi-row INSERT per chunk: one round trip to PostgreSQL instead of one per row.
    per_chunk = max(1, MAX_PARAMETERS // len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(batch), per_chunk):
            count = min(per_chunk, len(batch) - start)
            cursor.execute(
                prefix + ", ".join([placeholder] * count),
                values[start * len(columns) : (start + count) * len(columns)],
            )
    return len(batch)


def insert_row(
    model: type[models.Model],
    columns: Sequence[str],
    row: Sequence[Any],
    *,
    using: str = "default",
) -> int:
    """INSERT one row like `insert_rows` and return its new primary key.

    For a row written once per command (a new instance): `Model.save` prepares every field
    through the same layers as `bulk_create` and cost about a fifth of a straight-through start.
    """
    connection = connections[using]
    prefix, placeholder, adapters = _statement(connection, model, tuple(columns))
    values = _adapted(adapters, len(columns), row)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(prefix + placeholder, values)
            return int(cursor.lastrowid)
        pk = connection.ops.quote_name(model._meta.pk.column)
        cursor.execute(f"{prefix}{placeholder} RETURNING {pk}", values)
        return int(cursor.fetchone()[0])


def _adapted(adapters: tuple[tuple[int, Adapter], ...], width: int, row: Sequence[Any]) -> list[Any]:
    if len(row) != width:
        raise ValueError(f"a row of {len(row)} values for {width} columns: {row!r}")
    values = list(row)
    # Most columns need no conversion: touch only those that do (the hottest loop of a start).
    for position, adapt in adapters:
        values[position] = adapt(values[position])
    return values


def _statement(connection: Any, model: type[models.Model], columns: tuple[str, ...]) -> Statement:
    key = (connection.alias, model, columns)
    cached = _statements.get(key)
    if cached is not None:
        return cached
    fields = {field.attname: field for field in model._meta.concrete_fields}
    unknown = [name for name in columns if name not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
    quote = connection.ops.quote_name
    # Only the model's own table and column names, quoted, go into the SQL; values are parameters.
    prefix = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608
        quote(model._meta.db_table), ", ".join(quote(fields[name].column) for name in columns)
    )
    placeholder = "({})".format(", ".join(["%s"] * len(columns)))
    adapters = ((position, column_adapter(connection, fields[name])) for position, name in enumerate(columns))
    statement = (prefix, placeholder, tuple((position, adapt) for position, adapt in adapters if adapt))
    # Two threads may both work it out; either result is the same, so no lock is needed. The
    # adapters are those of the first thread's connection: they read settings, not its state.
    _statements[key] = statement
    return statement


def column_adapter(connection: Any, field: models.Field) -> Adapter | None:
    ops = connection.ops
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        # A backend whose JSON parameter is the text itself (SQLite) takes an EncodedJSON as it
        # is; one that wraps it (PostgreSQL's jsonb parameter) gets it wrapped, not re-encoded.
        as_text = ops.adapt_json_value(EncodedJSON("{}"), _Verbatim) == "{}"

        def adapt_json(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, EncodedJSON):
                return str(value) if as_text else ops.adapt_json_value(value, _Verbatim)
            return ops.adapt_json_value(value, encoder)

        return adapt_json
    if isinstance(field, models.DateTimeField):
        # The rows of one command share one timestamp; converting it once saves a lot on SQLite.
        return functools.lru_cache(maxsize=8)(ops.adapt_datetimefield_value)
    if isinstance(field, (models.ForeignKey, *_PLAIN)):
        return None
    raise TypeError(
        f"{field.model.__name__}.{field.name}: {type(field).__name__} is not supported by insert_rows"
    )

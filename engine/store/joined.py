"""Model objects from prepared statements, without the ORM's compiler: a row with the rows its
foreign keys point to in one SELECT (JoinedRead), or the row an UPDATE ... RETURNING gave (RowLoader).

Applying a job's result starts by reading the job with its instance and the instance's
definition. Through `select_related(...).defer(...)` Django compiles that query anew at every
call, and the compiling cost about 1 ms of CPU: a quarter of a whole job of the asynchronous
benchmark, against 0.08 ms for running the statement (docs/BENCHMARKS.md, *Where the time
goes*). Here the SQL and each column's converters are worked out once per database; every read
then runs that statement and builds the model objects with `Model.from_db`, exactly as the ORM
would (same converters, deferred columns loaded on first access, related objects cached).
Claiming a job reads the claimed row back the same way instead of through a RawQuerySet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.db import connections, models

M = TypeVar("M", bound=models.Model)
#: A converter of Django's (value, expression, connection) with the column it converts.
Converter = tuple[Callable[[Any, Any, Any], Any], Any]
#: Per column of a row, its converters in the order they apply.
Converters = tuple[tuple[Converter, ...], ...]


@dataclass(frozen=True)
class _Part:
    model: type[models.Model]
    fields: tuple[models.Field, ...]  # the columns read, in the model's order
    names: tuple[str, ...]  # their attnames, as Model.from_db takes them


class JoinedRead(Generic[M]):
    """`JoinedRead(Job, ("instance", ()), ("definition", ("bpmn_xml",)))`: a job, its instance, and
    that instance's definition without its `bpmn_xml` (loaded if touched, like `.defer`)."""

    def __init__(self, model: type[M], *links: tuple[str, Sequence[str]]) -> None:
        parts: list[_Part] = []
        keys: list[models.ForeignKey] = []
        current: type[models.Model] = model
        deferred: tuple[str, ...] = ()
        for position in range(len(links) + 1):
            fields = tuple(field for field in current._meta.concrete_fields if field.name not in deferred)
            parts.append(_Part(current, fields, tuple(field.attname for field in fields)))
            if position == len(links):
                break
            name, next_deferred = links[position]
            key = current._meta.get_field(name)
            if not isinstance(key, models.ForeignKey) or key.null:
                # An INNER JOIN over a key that may be NULL would lose the row.
                raise ValueError(f"{current.__name__}.{name} is not a required foreign key")
            keys.append(key)
            current, deferred = key.related_model, tuple(next_deferred)
        self._parts = tuple(parts)
        self._keys = tuple(keys)  # _keys[n] leads from _parts[n] to _parts[n + 1]
        self._prepared: dict[str, tuple[str, Converters]] = {}

    def get(self, pk: Any, *, using: str = "default") -> M | None:
        """The row with primary key `pk`, its related rows cached on it; None if there is none."""
        connection = connections[using]
        sql, converters = self._prepare(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        values = converted(row, converters, connection)
        objects, start = [], 0
        for part in self._parts:
            end = start + len(part.names)
            objects.append(part.model.from_db(using, part.names, values[start:end]))
            start = end
        for key, obj, target in zip(self._keys, objects[:-1], objects[1:], strict=True):
            key.set_cached_value(obj, target)
        return cast(M, objects[0])

    def _prepare(self, connection: Any) -> tuple[str, Converters]:
        prepared = self._prepared.get(connection.alias)
        if prepared is not None:
            return prepared
        quote = connection.ops.quote_name
        columns: list[str] = []
        converters: list[tuple[Converter, ...]] = []
        for number, part in enumerate(self._parts):
            columns += [f"t{number}.{quote(field.column)}" for field in part.fields]
            converters += converters_of(connection, part.fields, f"t{number}")
        tables = [f"{quote(self._parts[0].model._meta.db_table)} t0"]
        for number, key in enumerate(self._keys, start=1):
            target = self._parts[number].model._meta
            tables.append(
                f"INNER JOIN {quote(target.db_table)} t{number}"
                f" ON t{number}.{quote(target.pk.column)} = t{number - 1}.{quote(key.column)}"
            )
        first = quote(self._parts[0].model._meta.pk.column)
        # Only table and column names of our own models, quoted, go into the SQL; the key is a parameter.
        sql = f"SELECT {', '.join(columns)} FROM {' '.join(tables)} WHERE t0.{first} = %s"  # noqa: S608
        prepared = (sql, tuple(converters))
        self._prepared[connection.alias] = prepared
        return prepared


class RowLoader(Generic[M]):
    """Model objects from rows of all of `model`'s columns in its order (say, an UPDATE's RETURNING),
    converted as the ORM converts them, without a RawQuerySet's work per call."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.fields = tuple(model._meta.concrete_fields)
        self._names = tuple(field.attname for field in self.fields)
        self._converters: dict[str, Converters] = {}

    def load(self, row: Sequence[Any], *, using: str = "default") -> M:
        connection = connections[using]
        converters = self._converters.get(using)
        if converters is None:
            converters = self._converters[using] = converters_of(
                connection, self.fields, self.model._meta.db_table
            )
        return cast(M, self.model.from_db(using, self._names, converted(row, converters, connection)))


def converters_of(connection: Any, fields: Sequence[models.Field], alias: str) -> Converters:
    """Per field, the converters the ORM's compiler applies: the backend's, then the field's."""
    chains = []
    for field in fields:
        column = field.get_col(alias)
        chain = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        chains.append(tuple((convert, column) for convert in chain))
    return tuple(chains)


def converted(row: Sequence[Any], converters: Converters, connection: Any) -> list[Any]:
    values = list(row)
    for position, chain in enumerate(converters):
        for convert, column in chain:
            values[position] = convert(values[position], column, connection)
    return values

"""A queryset compiled once into SQL text, then run many times with other values in its parameters' places.

Compiling a queryset (Django's `as_sql`) costs more CPU than running a small indexed statement; on the
hot read paths (the bearer token, the work list's ranking and counts) it was most of a request's time. A
`CompiledQuery` is made from a function that builds the queryset from named values: it compiles it twice,
with two sets of marker values, and keeps the SQL text (which must be the same both times) and the
positions where the parameters differ (which must be exactly the markers'). A run puts the real values in
those positions, executes the text and converts each column as the ORM would (`from_db_value`, the
backend's converters), giving plain rows.

What this does not do is decide anything: the queryset is built by the module that owns the rule
(visibility by `cases.visibility`), with the same code the ORM path uses; only its text is kept, never
its rows. A value must reach the SQL as a parameter (a scalar, or a list for `__in` of a fixed length);
anything the builder turns into SQL text (a LIMIT, a choice of branches) belongs in the caller's cache key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime


def _sqlite_datetime() -> Callable[[Any, Any, Any], Any]:
    """SQLite's datetime converter (`convert_datetimefield_value`: text → datetime, made aware in the
    connection's time zone), with the settings it reads looked up once per statement instead of once per
    value: that lookup was a fifth of the CPU of a 45-row page of the work list."""
    use_tz, tz = settings.USE_TZ, connection.timezone

    def convert(value: Any, expression: Any, conn: Any) -> Any:
        if value is not None:
            if not isinstance(value, datetime):
                value = parse_datetime(value)
            if use_tz and value.utcoffset() is None:  # what timezone.make_aware does with a zoneinfo
                value = value.replace(tzinfo=tz)
        return value

    return convert


def db_converters(expressions: list[Any]) -> list[tuple[int, list[Any], Any]]:
    """(column, converters, expression) for the selected expressions that need converting, as the ORM's
    compiler finds them (`get_db_converters`), SQLite's datetime one replaced by `_sqlite_datetime`'s."""
    found = []
    slow = getattr(type(connection.ops), "convert_datetimefield_value", None)
    fast = None
    if getattr(slow, "__module__", "") == "django.db.backends.sqlite3.operations":
        fast = _sqlite_datetime()  # Django's own SQLite backend, whose converter `_sqlite_datetime` mirrors
    for at, expr in enumerate(expressions):
        funcs = connection.ops.get_db_converters(expr) + expr.get_db_converters(connection)
        if fast is not None:
            funcs = [fast if getattr(f, "__func__", None) is slow else f for f in funcs]
        if funcs:
            found.append((at, funcs, expr))
    return found


class Converters:
    """`db_converters` of a statement's selected expressions, worked out again only when the database
    connection is another one (a thread of its own): finding them cost more than a run of the statement."""

    def __init__(self, expressions: list[Any]) -> None:
        self.expressions = expressions
        self._found: tuple[Any, list[tuple[int, list[Any], Any]]] | None = None

    def get(self) -> list[tuple[int, list[Any], Any]]:
        wrapper = connections[DEFAULT_DB_ALIAS]
        found = self._found
        if found is None or found[0] is not wrapper:
            found = self._found = (wrapper, db_converters(self.expressions))
        return found[1]


def _adapt(value: Any) -> Any:
    # What DateTimeField.get_db_prep_value makes of an aware datetime (SQLite: text in UTC); others as given.
    return connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value


def _pick(values: dict[str, Any], name: str, index: int | None) -> Any:
    return values[name] if index is None else values[name][index]


class CompiledQuery:
    """`build(**values)` → a queryset (usually a `values_list`); `a` and `b` two sets of marker values for
    it, with the same names, each a scalar or a list of the same length in both, every marker distinct from
    each other and from any constant of the statement (ints within their columns' range: Django drops a
    comparison with an int out of range from the SQL). RuntimeError when the SQL text depends on the
    values; EmptyResultSet (as the ORM raises it) when the queryset can match nothing.

    `compiler` is the first compilation's compiler (for `klass_info`, `annotation_col_map`)."""

    def __init__(self, build: Callable[..., QuerySet[Any]], a: dict[str, Any], b: dict[str, Any]) -> None:
        compiler = build(**a).query.get_compiler(connection=connection)
        sql, params_a = compiler.as_sql()
        sql_b, params_b = build(**b).query.get_compiler(connection=connection).as_sql()
        if sql != sql_b or len(params_a) != len(params_b):
            raise RuntimeError("the statement's text depends on its values")
        where: dict[Any, tuple[str, int | None]] = {}
        for name, value in a.items():
            if isinstance(value, list):
                where.update({_adapt(v): (name, i) for i, v in enumerate(value)})
            else:
                where[_adapt(value)] = (name, None)
        self.slots: list[tuple[int, str, int | None]] = []
        for pos, (x, y) in enumerate(zip(params_a, params_b, strict=True)):
            if x == y and type(x) is type(y):
                continue
            found = where.get(x)
            if found is None or _adapt(_pick(b, *found)) != y:
                raise RuntimeError(f"the statement's parameter {pos} is not one of its markers")
            self.slots.append((pos, *found))
        if {(name, i) for _pos, name, i in self.slots} != set(where.values()):
            raise RuntimeError("a value does not reach the statement as a parameter")
        self.sql: str = sql
        self.params: list[Any] = list(params_a)
        self.compiler = compiler
        self.converters = Converters([expr for expr, _sql, _alias in compiler.select[: compiler.col_count]])

    def rows(self, **values: Any) -> list[list[Any]]:
        """The statement's rows for these values (the names of `a`), each column converted."""
        params = list(self.params)
        for pos, name, index in self.slots:
            params[pos] = _adapt(_pick(values, name, index))
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = [list(r) for r in cursor.fetchall()]
        converters = self.converters.get() if rows else []
        if converters:
            for row in rows:
                for at, funcs, expr in converters:
                    value = row[at]
                    for f in funcs:
                        value = f(value, expr, connection)
                    row[at] = value
        return rows

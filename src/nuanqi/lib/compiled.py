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

from django.db import connection
from django.db.models import QuerySet


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
        self.converters: list[tuple[int, list[Any], Any]] = []
        for at, (expr, _sql, _alias) in enumerate(compiler.select[: compiler.col_count]):
            funcs = connection.ops.get_db_converters(expr) + expr.get_db_converters(connection)
            if funcs:
                self.converters.append((at, funcs, expr))

    def rows(self, **values: Any) -> list[list[Any]]:
        """The statement's rows for these values (the names of `a`), each column converted."""
        params = list(self.params)
        for pos, name, index in self.slots:
            params[pos] = _adapt(_pick(values, name, index))
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = [list(r) for r in cursor.fetchall()]
        if self.converters:
            for row in rows:
                for at, funcs, expr in self.converters:
                    value = row[at]
                    for f in funcs:
                        value = f(value, expr, connection)
                    row[at] = value
        return rows

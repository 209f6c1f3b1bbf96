"""Database expressions the ORM does not offer efficiently on both databases."""

from __future__ import annotations

from typing import Any

from django.db.models import DateField, Func


class LocalDate(Func):
    """The Asia/Shanghai calendar date of a timestamp, computed inside the database.

    Django's `TruncDate(..., tzinfo=…)` on SQLite calls a Python function per row (millions of calls on a
    leader's three-year view). Asia/Shanghai has kept UTC+8 without daylight saving since 1991, so a fixed
    offset is exact for every timestamp this system stores.
    """

    output_field = DateField()
    arity = 1

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="date(%(expressions)s, '+8 hours')", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="((%(expressions)s) AT TIME ZONE 'Asia/Shanghai')::date", **extra
        )

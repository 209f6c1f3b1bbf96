"""Raw bulk writes for the scale generator: rows in a table's column order, `executemany` on SQLite and
`COPY` on PostgreSQL; and the secondary indexes of the big tables taken off for the load and put back after
it from their own definitions (see `demo.scale`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.db import connection, models

from nuanqi.cases.timeline import canonical_at

_JSON = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(v, ensure_ascii=False), one encoder


def sqlite_datetime(iso: str) -> str:
    """A UTC ISO 8601 text with microseconds ("2026-01-02T03:04:05.678900+00:00") as Django stores a
    datetime in SQLite: `str()` of the naive UTC value, "2026-01-02 03:04:05.678900" (no fraction when it is
    zero)."""
    return f"{iso[:10]} {iso[11:19]}" if iso[20:26] == "000000" else f"{iso[:10]} {iso[11:26]}"


# A datetime as `timeline.canonical_at` writes it, remembered for the moments met again: a case's received,
# signed, resolved … times are its events' moments, its tasks' deadline is the case's (formatting a datetime
# costs several µs).
utc_iso = lru_cache(maxsize=1 << 14)(canonical_at)


def _sqlite_dt(v: datetime) -> str:
    return sqlite_datetime(utc_iso(v))


def _isoformat(v: date) -> str:
    return v.isoformat()


def _converter(field: models.Field[Any, Any], vendor: str) -> Callable[[Any], Any] | None:
    """How a non-null value of the field is written raw (None: as it is)."""
    if vendor == "sqlite":
        if isinstance(field, models.DateTimeField):
            return _sqlite_dt
        if isinstance(field, models.DateField):
            return _isoformat
    if isinstance(field, models.JSONField):
        return _JSON
    return None


class Sink:
    """Buffered raw inserts into one model's table; every concrete column is written (defaults filled).

    Needs no database connection until `flush`, so a worker process can build rows."""

    def __init__(self, model: type[models.Model], vendor: str | None = None) -> None:
        self.vendor = vendor or connection.vendor
        self.table = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.names = [f.attname for f in self.fields]
        self.columns = [str(f.column) for f in self.fields]
        self.index = {n: i for i, n in enumerate(self.names)}
        # Only the columns that need it are converted (dates to text on SQLite, JSON to text).
        self.convert = {
            f.attname: conv for f in self.fields if (conv := _converter(f, self.vendor)) is not None
        }
        defaults = [None if f.null and not f.has_default() else f.get_default() for f in self.fields]
        self.template = [self._raw(n, v) for n, v in zip(self.names, defaults, strict=True)]
        self.rows: list[tuple[Any, ...]] = []

    def _raw(self, name: str, value: Any) -> Any:
        conv = self.convert.get(name)
        return value if conv is None or value is None else conv(value)

    def add(self, **values: Any) -> None:
        row = self.template.copy()
        index, convert = self.index, self.convert
        for name, value in values.items():
            conv = convert.get(name)
            row[index[name]] = value if conv is None or value is None else conv(value)
        self.rows.append(tuple(row))

    def add_object(self, obj: models.Model) -> None:
        """A model instance as its row (its pk already set)."""
        raw = self._raw
        self.rows.append(tuple(raw(n, getattr(obj, n)) for n in self.names))

    def take(self) -> list[tuple[Any, ...]]:
        rows, self.rows = self.rows, []
        return rows

    def flush(self) -> int:
        rows = self.take()
        if rows:
            write_rows(self.table, self.columns, rows)
        return len(rows)


def write_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY {connection.ops.quote_name(table)} ({cols}) FROM STDIN") as cp,
        ):
            for row in rows:
                cp.write_row(row)
    else:
        marks = ", ".join("?" * len(columns))
        raw.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)


def raw_create(objs: Sequence[models.Model]) -> None:
    """Insert model instances with ids assigned here (after the table's largest), without the ORM's
    per-field work: what `bulk_create` does for tens of thousands of directory rows, several times faster."""
    if not objs:
        return
    model = type(objs[0])
    top = model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0
    sink = Sink(model)
    for k, obj in enumerate(objs, start=top + 1):
        obj.pk = k
        sink.add_object(obj)
    sink.flush()


# ---------------------------------------------------------------- indexes off for the load


class DeferredIndexes:
    """The secondary indexes (and unique constraints that are indexes) of some tables, read from the
    database's catalogue — so exactly what the migrations created — dropped for a bulk load and created
    again after it. Primary keys and foreign keys stay (foreign-key checks are off for the load)."""

    def __init__(self, tables: Sequence[str]) -> None:
        self.tables = list(tables)
        # (table, kind "index" | "constraint", name, definition)
        self.items: list[tuple[str, str, str, str]] = []

    def _read(self) -> None:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute(
                    """
                    SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid), con.conname,
                           pg_get_constraintdef(con.oid)
                    FROM pg_index x
                    JOIN pg_class i ON i.oid = x.indexrelid
                    JOIN pg_class t ON t.oid = x.indrelid
                    JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
                    LEFT JOIN pg_constraint con
                      ON con.conindid = x.indexrelid AND con.conrelid = t.oid AND con.contype IN ('u', 'x')
                    WHERE t.relname = ANY(%s) AND NOT x.indisprimary
                    ORDER BY t.relname, i.relname
                    """,
                    [self.tables],
                )
                for table, index, indexdef, conname, condef in cur.fetchall():
                    if conname:
                        self.items.append((table, "constraint", conname, condef))
                    else:
                        self.items.append((table, "index", index, indexdef))
            else:
                marks = ", ".join("%s" for _ in self.tables)
                cur.execute(
                    "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                    f"AND tbl_name IN ({marks}) ORDER BY tbl_name, name",
                    self.tables,
                )
                self.items += [(t, "index", name, sql) for t, name, sql in cur.fetchall()]

    def drop(self) -> None:
        self._read()
        q = connection.ops.quote_name
        with connection.cursor() as cur:
            for table, kind, name, _sql in self.items:
                if kind == "constraint":
                    cur.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}")
                else:
                    cur.execute(f"DROP INDEX {q(name)}")

    def statements(self) -> list[str]:
        q = connection.ops.quote_name
        return [
            f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {sql}" if kind == "constraint" else sql
            for table, kind, name, sql in self.items
        ]

    def create(self, log: Callable[[str], None] | None = None) -> float:
        """Build them again; on PostgreSQL over two connections at once. Returns the seconds taken."""
        t0 = time.perf_counter()
        statements = self.statements()
        if connection.vendor == "postgresql" and not connection.in_atomic_block and len(statements) > 1:
            # The biggest tables first, so the two builders finish together.
            sizes = _table_rows(self.tables)
            order = sorted(zip(statements, self.items, strict=True), key=lambda p: -sizes.get(p[1][0], 0))
            params = connection.get_connection_params()

            def build(sqls: list[str]) -> None:
                raw = connection.get_new_connection(params)
                try:
                    raw.autocommit = True
                    with raw.cursor() as cur:
                        cur.execute("SET maintenance_work_mem = '512MB'")
                        for sql in sqls:
                            cur.execute(sql)
                finally:
                    raw.close()

            shares: list[list[str]] = [[], []]
            for k, (sql, _item) in enumerate(order):
                shares[k % 2].append(sql)
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(build, shares))
        else:
            with connection.cursor() as cur:
                pg_in_transaction = connection.vendor == "postgresql" and connection.in_atomic_block
                if pg_in_transaction:
                    # Inside a transaction (tests) the deferred foreign-key checks of the rows just written
                    # are still pending, and PostgreSQL builds no index on a table with pending checks.
                    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for sql in statements:
                    cur.execute(sql)
                if pg_in_transaction:
                    cur.execute("SET CONSTRAINTS ALL DEFERRED")
        seconds = time.perf_counter() - t0
        if log:
            log(f"  索引重建 {len(statements)} 个（{seconds:.0f} 秒）")
        return seconds


def _table_rows(tables: Sequence[str]) -> dict[str, int]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)", [list(tables)]
        )
        return dict(cur.fetchall())

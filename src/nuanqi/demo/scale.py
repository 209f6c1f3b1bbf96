"""The scale generator for benchmarks: a province-sized world written through bulk paths.

`build_scale(n)` fills an empty, migrated database with ~300 units, 20,000 companies, 300 commissioners and
`n` enterprise requests received over the last three years, each with a life that follows the request
workflow (受理 → 派单 → 签收 → 协办 → 办结 → 评价 → 归档, with 退单, 延期, 重办, 督办, 挂账 and 不予受理 on
the way), ~1.5 co-handling tasks per case and a timeline event for every step.

It does not call the per-case services (a million cases would take hours), so it must write exactly what
they would have written: deadlines come from `cases.sla` on the calendar in force, every event is hashed
with `cases.timeline.event_hash` into the case's chain and the head is anchored on the case row (so
`nuanqi audit verify` passes), and the fields the KPIs read (signed_at, resolved_at, satisfaction,
return_count, extension_days, reopen_count …) agree with the events. Rows go in through executemany on
SQLite and COPY on PostgreSQL, in batches, each batch one transaction.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from nuanqi.accounts.models import Unit, User
from nuanqi.cases import sla
from nuanqi.cases.models import Case, Event, NumberCounter, Task
from nuanqi.cases.search import index_row
from nuanqi.cases.timeline import keyed
from nuanqi.enterprise.models import Company
from nuanqi.worktime import TZ

from .scale_directory import World, build_directory
from .scale_life import Life, case_life

COMPANIES = 20_000
COMMISSIONERS = 300
YEARS = 3
BATCH = 5_000


def _converter(field: models.Field[Any, Any], vendor: str) -> Callable[[Any], Any]:
    if vendor == "sqlite":
        if isinstance(field, models.DateTimeField):
            return lambda v: None if v is None else str(v.astimezone(UTC).replace(tzinfo=None))
        if isinstance(field, models.DateField):
            return lambda v: None if v is None else v.isoformat()
    if isinstance(field, models.JSONField):
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
    return lambda v: v


class Sink:
    """Buffered raw inserts into one model's table; every concrete column is written (defaults filled)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.vendor = connection.vendor
        self.table = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.names = [f.attname for f in self.fields]
        self.template = [None if f.null and not f.has_default() else f.get_default() for f in self.fields]
        self.index = {n: i for i, n in enumerate(self.names)}
        # Only the columns that need it are converted (dates to text on SQLite, JSON to text).
        self.convert = [
            (i, _converter(f, self.vendor))
            for i, f in enumerate(self.fields)
            if isinstance(f, (models.DateField, models.JSONField))
        ]
        self.rows: list[tuple[Any, ...]] = []

    def add(self, **values: Any) -> None:
        row = list(self.template)
        index = self.index
        for name, value in values.items():
            row[index[name]] = value
        for i, conv in self.convert:
            row[i] = conv(row[i])
        self.rows.append(tuple(row))

    def flush(self) -> int:
        rows, self.rows = self.rows, []
        if rows:
            write_rows(self.table, [str(f.column) for f in self.fields], rows)
        return len(rows)


def write_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
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


# ---------------------------------------------------------------- the directory


class Generation:
    """The running state of one generation: id counters, sinks, the calendar, counts."""

    def __init__(self, w: World, now: datetime) -> None:
        self.now = now
        self.limits: dict[tuple[str, int], sla.Limits] = {}
        self.cases, self.tasks = Sink(Case), Sink(Task)
        # Events are most of the rows: written as plain tuples in this column order (checked here).
        self.event_columns = [
            "id",
            "case_id",
            "seq",
            "at",
            "actor_id",
            "actor_name",
            "action",
            "from_status",
            "to_status",
            "changes",
            "reason",
            "sealed",
            "prev_hash",
            "hash",
        ]
        assert sorted(self.event_columns) == sorted(str(f.column) for f in Event._meta.concrete_fields)
        self.event_rows: list[tuple[Any, ...]] = []
        sqlite = connection.vendor == "sqlite"
        self.when = (lambda v: str(v.astimezone(UTC).replace(tzinfo=None))) if sqlite else (lambda v: v)
        self.search: list[tuple[int, str]] = []
        self._task_id = Task.objects.aggregate(m=models.Max("id"))["m"] or 0
        self.event_id = Event.objects.aggregate(m=models.Max("id"))["m"] or 0
        self.names = dict(User.objects.values_list("id", "display_name"))
        self.unit_names = dict(Unit.objects.values_list("id", "name"))
        self.n_cases = self.n_events = self.n_tasks = 0
        self.status_counts: dict[str, int] = {}

    def cal_resolve(self, start: datetime, limits: sla.Limits) -> datetime:
        return sla.resolve_deadline(start, limits)

    def next_task(self) -> int:
        self._task_id += 1
        return self._task_id

    def emit(self, c: dict[str, Any], life: Life, tasks: list[dict[str, Any]]) -> None:
        self.cases.add(**c)
        rows, when, dumps = self.event_rows, self.when, json.dumps
        for e in life.events:
            self.event_id += 1
            rows.append(
                (
                    self.event_id,
                    e["case_id"],
                    e["seq"],
                    when(e["at"]),
                    e["actor_id"],
                    e["actor_name"],
                    e["action"],
                    e["from_status"],
                    e["to_status"],
                    dumps(e["changes"], ensure_ascii=False),
                    e["reason"],
                    None,
                    e["prev_hash"],
                    e["hash"],
                )
            )
        for t in tasks:
            self.tasks.add(**t)
        self.search.append(index_row(c["id"], c["title"], c["description"], c["subject_label"]))
        self.n_cases += 1
        self.n_events += len(life.events)
        self.n_tasks += len(tasks)
        self.status_counts[c["status"]] = self.status_counts.get(c["status"], 0) + 1

    def flush(self) -> None:
        from nuanqi.cases.search import write_index_rows

        with transaction.atomic():
            self.cases.flush()
            self.tasks.flush()
            write_rows(Event._meta.db_table, self.event_columns, self.event_rows)
            self.event_rows = []
            write_index_rows(self.search)
            self.search = []


def _fast_load(on: bool) -> None:
    """Bulk-load settings for this connection: no per-row foreign-key triggers, no fsync (SQLite).
    Skipped inside an outer transaction (tests), where neither database allows changing them."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"PRAGMA foreign_keys={'OFF' if on else 'ON'}")
            cur.execute(f"PRAGMA synchronous={'OFF' if on else 'NORMAL'}")
            cur.execute(f"PRAGMA cache_size={-400_000 if on else -2000}")
        else:
            try:
                with transaction.atomic():
                    cur.execute("SET session_replication_role = %s" % ("replica" if on else "DEFAULT"))
            except Exception:  # not a superuser: the triggers simply run
                pass


def build_scale(
    n_cases: int,
    *,
    seed: int = 20230330,
    now: datetime | None = None,
    companies: int = COMPANIES,
    commissioners: int = COMMISSIONERS,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Fill an empty, migrated database; returns counts and timings."""
    if Case.objects.exists() or Company.objects.exists() or Unit.objects.exists():
        raise RuntimeError("数据库中已有数据：压测数据只能写入空库，请换一个数据目录（--home）或新建数据库")
    t0 = time.perf_counter()
    rng = random.Random(seed)
    now = now or timezone.now()
    w = World(rng, companies, commissioners)
    with transaction.atomic():
        build_directory(w)
    t_dir = time.perf_counter() - t0
    log(
        f"目录：{Unit.objects.count()} 个单位、{len(w.company_ids)} 家企业、{commissioners} 名专员"
        f"（{t_dir:.1f} 秒）"
    )
    g = Generation(w, now)
    start = timezone.localtime(now) - timedelta(days=365 * YEARS)
    span_days = (timezone.localtime(now) - start).days + 1  # up to and including today
    counters: dict[int, int] = {}
    case_id = Case.objects.aggregate(m=models.Max("id"))["m"] or 0
    _fast_load(True)
    try:
        for k in range(n_cases):
            pos = (k + rng.random()) / n_cases * span_days
            day = start.date() + timedelta(days=int(pos))
            minutes = 510 + (pos % 1) * 510  # 08:30 … 17:00
            received = datetime.combine(day, dtime(0), TZ) + timedelta(minutes=minutes)
            if received > now:  # later today: spread over the hours already gone by
                received = now - timedelta(minutes=rng.uniform(1, 300))
            year = received.year
            counters[year] = counters.get(year, 0) + 1
            case_id += 1
            case_life(w, g, case_id, f"QY{year}-{counters[year]:06d}", received)
            if (k + 1) % BATCH == 0:
                g.flush()
                if (k + 1) % (BATCH * 20) == 0:
                    log(f"  {k + 1:,} 个事项（{time.perf_counter() - t0:.0f} 秒）")
        g.flush()
    finally:
        _fast_load(False)
    NumberCounter.objects.bulk_create(
        [
            NumberCounter(prefix="QY", year=y, value=v, mac=keyed("counter", "QY", y, v))
            for y, v in counters.items()
        ]
    )
    _after_load()
    seconds = time.perf_counter() - t0
    # The KPI roll-up, counted from the loaded cases as `nuanqi kpis rebuild` does.
    from nuanqi.cases import rollup

    t1 = time.perf_counter()
    rollup.rebuild()
    rollup_seconds = time.perf_counter() - t1
    log(f"  KPI 汇总表（{rollup_seconds:.0f} 秒）")
    return {
        "cases": g.n_cases,
        "events": g.n_events,
        "tasks": g.n_tasks,
        "units": Unit.objects.count(),
        "companies": len(w.company_ids),
        "commissioners": commissioners,
        "status": g.status_counts,
        "seconds": round(seconds, 1),
        "cases_per_s": round(g.n_cases / seconds) if seconds else None,
        "rollup_seconds": round(rollup_seconds, 1),
    }


def _after_load() -> None:
    """Identity sequences past the ids written here (PostgreSQL), and fresh planner statistics."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for model in (Case, Event, Task):
                table = model._meta.db_table
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
                )
            cur.execute("ANALYZE")
        else:
            cur.execute("ANALYZE")

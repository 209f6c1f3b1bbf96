"""The scale generator for benchmarks: a province-sized world written through bulk paths.

`build_scale(n)` fills an empty, migrated database with ~300 units, 20,000 companies, 300 commissioners and
`n` enterprise requests received over the last three years, each with a life that follows the request
workflow (受理 → 派单 → 签收 → 协办 → 办结 → 评价 → 归档, with 退单, 延期, 重办, 督办, 挂账 and 不予受理 on
the way), ~1.5 co-handling tasks per case and a timeline event for every step.

It does not call the per-case services (a million cases would take hours), so it must write exactly what
they would have written: deadlines come from `cases.sla` on the calendar in force, every event is hashed
with `cases.timeline.event_hash` into the case's chain and the head is anchored on the case row (so
`nuanqi audit verify` passes), and the fields the KPIs read (signed_at, resolved_at, satisfaction,
return_count, extension_days, reopen_count …) agree with the events. Each case's KPI roll-up snapshot
(`Case.kpi_keys`) and the daily `KpiRollup` rows are made here from the generated cases with `cases.rollup`'s
own `snapshot` and the dimensions' own `value_of`, so no recount is needed after the load.

How it goes fast:
- The cases are generated in chunks of `CHUNK` by worker processes (one per core), each chunk from its own
  random generator seeded by (seed, chunk index), so the world depends on the seed alone, not on the number
  of workers or the order they finish in. A case's day of receipt, and so its number, is a function of its
  index alone. Workers never touch the parent's database connection.
- SQLite has one writer: the parent writes each chunk (`executemany`, one transaction a chunk, journal and
  fsync off for the load) while the workers generate the next ones. On PostgreSQL each worker writes its own
  chunks with `COPY` over its own connection.
- The secondary indexes of the big tables and PostgreSQL's search index are dropped before the load and
  built again after it from the definitions the migrations left in the database (`scale_sql.DeferredIndexes`).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import resource
import time
from bisect import bisect_left
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as dtime
from itertools import pairwise
from typing import Any

from django.db import connection, connections, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from nuanqi.accounts.models import RoleGrant, Unit, User
from nuanqi.cases import rollup, sla
from nuanqi.cases.models import Case, Event, KpiOpenDue, KpiRollup, NumberCounter, Task, priority_of
from nuanqi.cases.rollup import folding as rollup_folding
from nuanqi.cases.rollup import writer as rollup_writer
from nuanqi.cases.search import TABLE as SEARCH_TABLE
from nuanqi.cases.search import index_row, write_index_rows
from nuanqi.cases.timeline import keyed
from nuanqi.enterprise.models import Assignment, Company, CompanyContact
from nuanqi.worktime import TZ

from .scale_directory import World, build_directory
from .scale_life import _NATURES, Life, _limits, case_life
from .scale_sql import DeferredIndexes, Sink, sqlite_datetime, write_rows

COMPANIES = 20_000
COMMISSIONERS = 300
YEARS = 3
CHUNK = 5_000  # cases a chunk: one unit of work for a worker, one transaction
MAX_TASKS = 12  # co-handling tasks a case can have at most (scale_life): each chunk owns a block of task ids
_EVENT_COLUMNS = [
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
]  # the id is the database's (no event id is hashed or referenced)
_MASK = (1 << 64) - 1


def _uniform(seed: int, k: int, salt: int) -> float:
    """A uniform [0, 1) draw that depends on (seed, k, salt) alone (splitmix64)."""
    x = (seed * 0x9E3779B97F4A7C15 + k * 0xBF58476D1CE4E5B9 + salt * 0x94D049BB133111EB) & _MASK
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK
    x ^= x >> 31
    return x / 2**64


class Plan:
    """When each case is received and what it is numbered: functions of its index alone, so any worker can
    generate any chunk. Receipts are spread evenly over the last `YEARS` years in index order (08:30–17:00);
    numbers run per year of receipt (Asia/Shanghai) in index order."""

    def __init__(self, n: int, seed: int, now: datetime, chunk: int = CHUNK) -> None:
        self.n, self.seed, self.now, self.chunk = n, seed, now, chunk
        today = timezone.localtime(now, TZ).date()
        self.start = today - timedelta(days=365 * YEARS)
        self.span = (today - self.start).days + 1  # up to and including today
        self.today = today
        # Today's receipts fall between 08:30 (or midnight, before then) and now (or 17:00).
        opening = datetime.combine(today, dtime(8, 30), TZ)
        self.lo = opening if now >= opening else datetime.combine(today, dtime(0), TZ)
        self.hi = min(now.astimezone(TZ), datetime.combine(today, dtime(17), TZ))
        years = range(self.start.year, today.year + 2)
        keys = _Keys(self)
        # first[y]: the index of the first case received in year y (n when none is).
        self.first = {y: bisect_left(keys, date(y, 1, 1)) for y in years}

    def day(self, k: int) -> date:
        pos = (k + _uniform(self.seed, k, 1)) / self.n * self.span
        return self.start + timedelta(days=int(pos))

    def received(self, k: int) -> datetime:
        pos = (k + _uniform(self.seed, k, 1)) / self.n * self.span
        day = self.start + timedelta(days=int(pos))
        if day == self.today:  # today: spread over the part of the working day already gone by
            return self.lo + (self.hi - self.lo) * (pos % 1)
        return datetime.combine(day, dtime(0), TZ) + timedelta(minutes=510 + (pos % 1) * 510)

    def number(self, k: int, day: date) -> str:
        return f"QY{day.year}-{k - self.first[day.year] + 1:06d}"

    def counters(self) -> dict[int, int]:
        """Cases per year: the value of each year's number counter after the load."""
        years = sorted(self.first)
        return {
            y: self.first[nxt] - self.first[y]
            for y, nxt in pairwise(years)
            if self.first[nxt] > self.first[y]
        }


class _Keys:
    """The day of receipt of case k, as a sequence for bisect (non-decreasing in k)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def __len__(self) -> int:
        return self.plan.n

    def __getitem__(self, k: int) -> date:
        return self.plan.day(k)


# ---------------------------------------------------------------- one chunk


class Generation:
    """One chunk's rows, built without a database connection: cases (with their roll-up snapshot), tasks,
    events, search rows, and the chunk's roll-up counters by (dimension, value, kind, day, imported)."""

    def __init__(self, w: World, now: datetime, chunk: int, plan_chunk: int, vendor: str) -> None:
        self.w = w
        self.vendor = vendor
        self.now = now
        self.limits = w.limits
        self.names = w.names
        self.unit_names = w.unit_names
        self.cases, self.tasks = Sink(Case, vendor), Sink(Task, vendor)
        self.event_rows: list[tuple[Any, ...]] = []
        # An event's moment (UTC ISO text) as its column takes it: SQLite's text, or the ISO text for COPY.
        self.when: Callable[[str], str] = sqlite_datetime if vendor == "sqlite" else str
        self.search: list[tuple[int, str]] = []
        self._task_id = chunk * plan_chunk * MAX_TASKS
        self.n_cases = self.n_events = self.n_tasks = 0
        self.status_counts: dict[str, int] = {}
        self.acc: dict[tuple[Any, ...], dict[str, int]] = {}
        # The open cases by due day (`KpiOpenDue`): (dimension, value, kind, day, imported, due) → cases.
        self.due: dict[tuple[Any, ...], int] = {}
        self.dims = rollup.rolled_dimensions()

    def cal_resolve(self, start: datetime, limits: sla.Limits) -> datetime:
        return sla.resolve_deadline(start, limits)

    def next_task(self) -> int:
        self._task_id += 1
        return self._task_id

    def _kpi(self, c: dict[str, Any]) -> dict[str, Any]:
        """The case's roll-up snapshot (what `rollup.record` would store); its counters join the chunk's."""
        # A Case as `Model.from_db` would make it (its columns' values set, no per-field __init__ work), the
        # category's row cached on it so the 大类 needs no query.
        case = Case.__new__(Case)
        case.__dict__.update(_CASE_DEFAULTS)
        case.__dict__.update(c)
        case._state = ModelState()
        case._state.adding = False
        case._state.fields_cache["category"] = self.w.leaf_by_id[c["category_id"]]
        company = c["subject_id"]
        # The company's (town, commissioner), as `dashboard.dimensions` would read them in one query.
        memo: dict[str, Any] = {"company": (self.w.town_of[company], self.w.commissioner_of[company])}
        keys = {name: dim.value_of(case, memo) for name, dim in self.dims.items() if dim.value_of}
        snap = rollup.snapshot(case, keys, self.w.calendar)
        acc = self.acc
        for key, counts in rollup_writer._rows(None, snap):
            row = acc.setdefault(key, {})
            for name, v in counts.items():
                row[name] = row.get(name, 0) + v
        due = self.due
        for key, n in rollup_writer._due_rows(None, snap):
            due[key] = due.get(key, 0) + n
        return snap

    def emit(self, c: dict[str, Any], life: Life, tasks: list[dict[str, Any]]) -> None:
        c["kpi_keys"] = self._kpi(c)
        self.cases.add(**c)
        self.event_rows += life.rows
        for t in tasks:
            self.tasks.add(**t)
        self.search.append(index_row(c["id"], c["title"], c["description"], c["subject_label"], self.vendor))
        self.n_cases += 1
        self.n_events += len(life.rows)
        self.n_tasks += len(tasks)
        self.status_counts[c["status"]] = self.status_counts.get(c["status"], 0) + 1

    def write(self) -> None:
        """Write the chunk's rows on this process's connection, in one transaction."""
        with transaction.atomic():
            self.cases.flush()
            self.tasks.flush()
            write_rows(Event._meta.db_table, _EVENT_COLUMNS, self.event_rows)
            self.event_rows = []
            write_index_rows(self.search)
            self.search = []


_CASE_DEFAULTS = {
    f.attname: None if f.null and not f.has_default() else f.get_default() for f in Case._meta.concrete_fields
}


def generate_chunk(w: World, plan: Plan, chunk: int, vendor: str) -> Generation:
    """The cases of one chunk, from the chunk's own random generator."""
    w.rng = random.Random(f"{plan.seed}:{chunk}")
    g = Generation(w, plan.now, chunk, plan.chunk, vendor)
    for k in range(chunk * plan.chunk, min(plan.n, (chunk + 1) * plan.chunk)):
        received = plan.received(k)
        case_life(w, g, k + 1 + w.case_base, plan.number(k, received.date()), received)
    return g


# ---------------------------------------------------------------- worker processes

_JOB: dict[str, Any] = {}  # what a forked worker inherits: the world, the plan, who writes
_KEEP: list[Any] = []  # the parent's connections as a child inherited them: never used, never closed


def _worker_init() -> None:
    """In a forked worker: forget the parent's database connections (a query opens this process's own) and
    keep the calendar the parent loaded, without re-checking the database."""
    from nuanqi.calendars.services import hold_calendar

    for alias in list(connections):
        _KEEP.append(connections[alias])
        connections[alias] = connections.create_connection(alias)
    hold_calendar()
    if _JOB["write"]:
        with connection.cursor() as cur:
            cur.execute("SET session_replication_role = replica")
            cur.execute("SET synchronous_commit = off")


def _run_chunk(chunk: int) -> dict[str, Any]:
    g = generate_chunk(_JOB["world"], _JOB["plan"], chunk, _JOB["vendor"])
    out: dict[str, Any] = {
        "chunk": chunk,
        "acc": g.acc,
        "due": g.due,
        "cases": g.n_cases,
        "events": g.n_events,
        "tasks": g.n_tasks,
        "status": g.status_counts,
    }
    if _JOB["write"]:
        g.write()
    else:
        out["rows"] = (g.cases.take(), g.tasks.take(), g.event_rows, g.search)
    return out


def _write_rows(rows: tuple[Any, ...]) -> None:
    cases, tasks, events, search = rows
    with transaction.atomic():
        write_rows(Case._meta.db_table, [str(f.column) for f in Case._meta.concrete_fields], cases)
        write_rows(Task._meta.db_table, [str(f.column) for f in Task._meta.concrete_fields], tasks)
        write_rows(Event._meta.db_table, _EVENT_COLUMNS, events)
        write_index_rows(search)


def _chunks(n_chunks: int, workers: int) -> Any:
    """The chunks' results in chunk order; at most two chunks a worker in flight, so memory stays bounded."""
    if workers <= 0:
        for c in range(n_chunks):
            yield _run_chunk(c)
        return
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_worker_init) as pool:
        pending: list[Any] = []
        nxt = 0
        while nxt < n_chunks or pending:
            while nxt < n_chunks and len(pending) < 2 * workers:
                pending.append(pool.apply_async(_run_chunk, (nxt,)))
                nxt += 1
            head = pending.pop(0)
            yield head.get()


def _fast_load(on: bool) -> None:
    """Bulk-load settings for this connection: no per-row foreign-key triggers, no journal or fsync
    (SQLite: a half-written seed is thrown away, never repaired). Skipped inside an outer transaction
    (tests), where neither database allows changing them."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"PRAGMA foreign_keys={'OFF' if on else 'ON'}")
            cur.execute(f"PRAGMA journal_mode={'OFF' if on else 'WAL'}")
            cur.execute(f"PRAGMA synchronous={'OFF' if on else 'NORMAL'}")
            cur.execute(f"PRAGMA cache_size={-1_000_000 if on else -2000}")
            cur.execute(f"PRAGMA threads={2 if on else 0}")  # sorter threads for the index builds
        else:
            try:
                with transaction.atomic():
                    cur.execute("SET session_replication_role = %s" % ("replica" if on else "DEFAULT"))
            except Exception:  # not a superuser: the triggers simply run
                pass


# ---------------------------------------------------------------- the load


def build_scale(
    n_cases: int,
    *,
    seed: int = 20230330,
    now: datetime | None = None,
    companies: int = COMPANIES,
    commissioners: int = COMMISSIONERS,
    workers: int | None = None,
    chunk: int = CHUNK,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Fill an empty, migrated database; returns counts and timings. `workers`: generator processes
    (default: one per core; 0 generates in this process)."""
    if Case.objects.exists() or Company.objects.exists() or Unit.objects.exists():
        raise RuntimeError("数据库中已有数据：压测数据只能写入空库，请换一个数据目录（--home）或新建数据库")
    steps = _Steps()
    rng = random.Random(seed)
    now = now or timezone.now()
    w = World(rng, companies, commissioners)
    with transaction.atomic():
        build_directory(w)
    _prepare(w)
    steps.mark("directory")
    log(
        f"目录：{Unit.objects.count()} 个单位、{len(w.company_ids)} 家企业、{commissioners} 名专员"
        f"（{steps.wall['directory']:.1f} 秒）"
    )
    plan = Plan(n_cases, seed, now, chunk)
    n_chunks = (n_cases + chunk - 1) // chunk
    workers = (os.cpu_count() or 1) if workers is None else workers
    if n_chunks <= 1:
        workers = 0
    vendor = connection.vendor
    # Each PostgreSQL worker writes its own chunks, unless this runs inside a transaction (tests), which
    # other connections cannot see into.
    write_in_workers = vendor == "postgresql" and workers > 0 and not connection.in_atomic_block
    tables = [Case._meta.db_table, Event._meta.db_table, Task._meta.db_table]
    if vendor == "postgresql":
        tables.append(SEARCH_TABLE)
    deferred = DeferredIndexes(tables)
    deferred.drop()
    _JOB.update(world=w, plan=plan, vendor=vendor, write=write_in_workers)
    acc: dict[tuple[Any, ...], dict[str, int]] = {}
    due: dict[tuple[Any, ...], int] = {}
    n_done = n_ev = n_tasks = 0
    status: dict[str, int] = {}
    _fast_load(True)
    try:
        if write_in_workers:
            connection.close()  # nothing of the parent's crosses the fork
        for k, out in enumerate(_chunks(n_chunks, workers), start=1):
            if "rows" in out:
                _write_rows(out["rows"])
            for key, counts in out["acc"].items():
                row = acc.setdefault(key, {})
                for name, v in counts.items():
                    row[name] = row.get(name, 0) + v
            for key, n in out["due"].items():
                due[key] = due.get(key, 0) + n
            n_done += out["cases"]
            n_ev += out["events"]
            n_tasks += out["tasks"]
            for s, v in out["status"].items():
                status[s] = status.get(s, 0) + v
            if k % 20 == 0:
                log(f"  {n_done:,} 个事项（{time.perf_counter() - steps.t0:.0f} 秒）")
        steps.mark("cases")
        rollup_rows = _write_rollup(acc, due)
        steps.mark("rollup")
        deferred.create(log)  # still with the load's settings: SQLite sorts in a large cache, on two threads
        steps.mark("indexes")
    finally:
        _fast_load(False)
    NumberCounter.objects.bulk_create(
        [
            NumberCounter(prefix="QY", year=y, value=v, mac=keyed("counter", "QY", y, v))
            for y, v in plan.counters().items()
        ]
    )
    _after_load()
    steps.mark("after")
    seconds = sum(steps.wall.values())
    log(
        "  "
        + "、".join(f"{k} {v:.1f} 秒（CPU {steps.cpu[k]:.1f}）" for k, v in steps.wall.items())
        + f"（{rollup_rows:,} 行 KPI 汇总，{workers} 个生成进程）"
    )
    return {
        "cases": n_done,
        "events": n_ev,
        "tasks": n_tasks,
        "units": Unit.objects.count(),
        "companies": len(w.company_ids),
        "commissioners": commissioners,
        "status": status,
        "seconds": round(seconds, 1),
        # CPU time of this process and its generator processes (not the database server's): on a shared
        # machine the figure that does not depend on what else runs.
        "cpu_s": round(sum(steps.cpu.values()), 1),
        "cases_per_s": round(n_done / seconds) if seconds else None,
        "workers": workers,
        "rollup_rows": rollup_rows,
        # The open cases by due day (超期): about one row per key of the open cases, kept small by the fold.
        "open_due_rows": KpiOpenDue.objects.count(),
        "steps_s": {k: round(v, 1) for k, v in steps.wall.items()},
        "steps_cpu_s": {k: round(v, 1) for k, v in steps.cpu.items()},
    }


class _Steps:
    """Wall and CPU seconds per step; CPU is this process's and its finished worker processes'."""

    def __init__(self) -> None:
        self.t0 = self._t = time.perf_counter()
        self._c = self._cpu()
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @staticmethod
    def _cpu() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    def mark(self, name: str) -> None:
        t, c = time.perf_counter(), self._cpu()
        self.wall[name], self.cpu[name] = t - self._t, c - self._c
        self._t, self._c = t, c


def _prepare(w: World) -> None:
    """What the generators read from the database, read once here: names, units, the time limits of every
    nature and priority, the calendar in force, the first ids."""
    from nuanqi.calendars.services import current_calendar

    w.names = dict(User.objects.values_list("id", "display_name"))
    w.unit_names = dict(Unit.objects.values_list("id", "name"))
    w.leaf_by_id = {leaf.pk: leaf for leaf in w.leaves}
    w.limits = {}
    for nature in set(_NATURES):
        for importance in ("major", "minor"):
            for urgency in ("urgent", "normal"):
                _limits(w.limits, nature, priority_of(importance, urgency))
    w.calendar = current_calendar(force=True)
    w.case_base = Case.objects.aggregate(m=models.Max("id"))["m"] or 0


def _write_rollup(acc: dict[tuple[Any, ...], dict[str, int]], due: dict[tuple[Any, ...], int]) -> int:
    """The daily roll-up rows, one per (dimension, value, kind, day, imported) — what `rollup.rebuild`
    writes (`rollup.writer._delta`'s columns), not yet counted into their months (`_roll_up_above_days`
    does that) —, the open cases by due day (`KpiOpenDue`, one merged row per key, as the fold leaves them)
    and the calendar they were counted with. Returns the daily rows written."""
    from nuanqi.cases.models import KpiRollupMark

    sink = Sink(KpiRollup)
    top = KpiRollup.objects.aggregate(m=models.Max("id"))["m"] or 0
    n = 0
    with transaction.atomic():
        for (dim, value, kind, day, imported), counts in acc.items():
            if not any(counts.values()):
                continue
            n += 1
            sink.add(
                id=top + n,
                dim=dim,
                ikey=value if isinstance(value, int) else None,
                skey=value if isinstance(value, str) else "",
                kind=kind,
                day=date.fromisoformat(day) if isinstance(day, str) else day,
                imported=imported,
                **{c: v for c, v in counts.items() if c in rollup.COUNTERS},
            )
            if len(sink.rows) >= 50_000:
                sink.flush()
        sink.flush()
        opened = [rollup_writer._due_delta(key, v, fresh=False) for key, v in due.items() if v]
        KpiOpenDue.objects.bulk_create(opened, batch_size=5000)
        KpiRollupMark.objects.update_or_create(pk=1, defaults={"calendar": rollup_folding._calendar_print()})
    return n


def _roll_up_above_days() -> None:
    """Anything the roll-up keeps above its daily rows is built here, once, from the daily rows just written
    (the one place for it in the load): the worker's own fold counts them into their months
    (`KpiRollupMonth`), merges any day's duplicate rows and refreshes the planner's statistics."""
    rollup.fold()


def _after_load() -> None:
    """Identity sequences past the ids written here (PostgreSQL), the roll-up above its days, and fresh
    planner statistics. On PostgreSQL, outside a transaction, `VACUUM (ANALYZE)`: rows just copied in are not
    yet marked all-visible, so no index-only scan can skip the table (visibility's `id IN (SELECT case_id
    FROM cases_task WHERE unit_id = …)` read every task of the unit from the heap: 9 → 4 ms a work list at
    1,000,000 cases). Autovacuum would get there in production; a world is measured right after its load."""
    _roll_up_above_days()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for model in (Case, Event, Task, KpiRollup, User, RoleGrant, Company, CompanyContact, Assignment):
                table = model._meta.db_table
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
                )
            # VACUUM cannot run inside a transaction (a test's world is built inside one).
            cur.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        else:
            # Statistics from a sample of each index (as `PRAGMA optimize` takes them), not a full scan of
            # every index of a million cases.
            cur.execute("PRAGMA analysis_limit = 2000")
            cur.execute("ANALYZE")
            cur.execute("PRAGMA analysis_limit = 0")

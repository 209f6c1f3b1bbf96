"""The daily KPI roll-up: what each case adds to the figures, kept by the single writer (docs/kpis.md).

A case contributes, to the day it was received, one set of counters (`contribution`) under each rolled-up
dimension's value (`kpis.Dimension.value_of`), plus its kind and `imported` flag. The writer records the
contribution on the case (`Case.kpi_keys`) and appends the difference from the last one as delta rows of
`KpiRollup` — one row per dimension whose figures moved, in one INSERT inside the change's transaction.
No row is updated in place, so concurrent intakes of one unit and day never wait on each other's row lock;
the worker folds the deltas (`fold`), and readers sum whatever is there, folded or not, so every figure is
exact at every moment.

`open` (在办) is a counter like the others: it moves only when a case's status does, and every status change
goes through the writer. `overdue` (超期) moves with the clock: the writer also keeps the open cases by the
local day their resolve deadline falls on (`KpiOpenDue`, delta rows of ±1, merged by the fold), so that the
open cases due before today are overdue, those due after today are not, and only the few due today are
counted live against the clock (`due_today`). Sealed kinds and uncounted statuses (a merged duplicate)
contribute nothing.
"""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Count,
    DateField,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone

from nuanqi.calendars.services import current_calendar
from nuanqi.lib import fastinsert

from . import kinds, kpis
from .models import AppealState, Case, KpiOpenDue, KpiRollup, Satisfaction

# The counters of a roll-up row, in `Kpi`'s names, and the working-day sum behind 平均办理时长.
ROLLED = (
    "received",
    "signed",
    "signed_on_time",
    "dispatched",
    "returned",
    "resolved",
    "resolved_on_time",
    "rated",
    "rated_counted",
    "satisfied",
    "appealed",
    "appeal_upheld",
    "extended",
    "reopened",
    "completed",
    "open",
)
COUNTERS = (*ROLLED, "wd_sum")
_SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASIC)


def rolled_dimensions() -> dict[str, kpis.Dimension]:
    return {n: d for n, d in kpis.dimensions().items() if d.value_of is not None}


def local_day(at: datetime) -> date:
    return timezone.localtime(at, kpis.TZ).date()


def working_days(received: datetime, resolved: datetime, cal: Any = None) -> int:
    """Working days after the receipt day up to and including the resolve day (docs/kpis.md)."""
    cal = cal or current_calendar()
    a, b = local_day(received), local_day(resolved)
    days = 0
    d = a + timedelta(days=1)
    while d <= b:
        days += cal.is_workday(d)
        d += timedelta(days=1)
    return days


def contribution(case: Case, cal: Any = None) -> dict[str, int] | None:
    """The counters one case adds to its day: the per-case definition of docs/kpis.md in Python (it must
    say what `kpis._aggregates` says in SQL). None for a case that is not counted at all."""
    if kinds.is_sealed(case.kind) or case.status in kinds.statuses(counted=False):
        return None
    signed = case.signed_at is not None
    resolved = case.resolved_at is not None
    rated = bool(case.satisfaction)
    c = {
        "received": 1,
        "signed": signed,
        "signed_on_time": signed
        and (case.sign_due is None or (case.signed_at is not None and case.signed_at <= case.sign_due)),
        "dispatched": case.dispatched_at is not None or case.return_count > 0,
        "returned": case.return_count > 0,
        "resolved": resolved,
        "resolved_on_time": resolved
        and (
            case.resolve_due is None
            or (case.resolved_at is not None and case.resolved_at <= case.resolve_due)
        ),
        "rated": rated,
        "rated_counted": rated and case.appeal_state != AppealState.UPHELD,
        "satisfied": rated and case.satisfaction in _SATISFIED,
        "appealed": bool(case.appeal_state),
        "appeal_upheld": case.appeal_state == AppealState.UPHELD,
        "extended": case.extension_days > 0,
        "reopened": case.reopen_count > 0,
        "completed": resolved or case.reopen_count > 0,
        # The same set as the per-case count's `status IN (open statuses)` (uncounted ones returned None).
        "open": case.status in kinds.statuses(kinds.OPEN),
        "wd_sum": working_days(case.received_at, case.resolved_at, cal)
        if resolved and case.resolved_at is not None
        else 0,
    }
    return {k: int(v) for k, v in c.items() if v}


def snapshot(case: Case, keys: dict[str, Any], cal: Any = None) -> dict[str, Any]:
    """What `Case.kpi_keys` holds: {} for a case that counts nowhere. An open case with a resolve deadline
    also holds its due day (`due`, the local date of `resolve_due`): the key of its `KpiOpenDue` rows."""
    counts = contribution(case, cal)
    if counts is None:
        return {}
    snap = {
        "d": local_day(case.received_at).isoformat(),
        "t": case.kind,
        "i": bool(case.imported),
        "cid": case.category_id,
        "k": keys,
        "c": counts,
    }
    if counts.get("open") and case.resolve_due is not None:
        snap["due"] = local_day(case.resolve_due).isoformat()
    return snap


def _rows(
    old: dict[str, Any] | None, new: dict[str, Any]
) -> Iterable[tuple[tuple[Any, ...], dict[str, int]]]:
    """The (row key, counter differences) that turn the old contribution into the new one."""
    acc: dict[tuple[Any, ...], dict[str, int]] = {}
    for snap, sign in ((old or {}, -1), (new, 1)):
        if not snap:
            continue
        for dim, key in snap["k"].items():
            row = acc.setdefault((dim, key, snap["t"], snap["d"], snap["i"]), {})
            for c, n in snap["c"].items():
                row[c] = row.get(c, 0) + sign * n
    for k, counts in acc.items():
        if any(counts.values()):
            yield k, counts


def _due_rows(old: dict[str, Any] | None, new: dict[str, Any]) -> Iterable[tuple[tuple[Any, ...], int]]:
    """The (open-due key, difference) pairs that turn the old snapshot's open case into the new one's: −1
    under the old (dimension value, receipt day, due day), +1 under the new, nothing where they cancel."""
    acc: dict[tuple[Any, ...], int] = {}
    for snap, sign in ((old or {}, -1), (new, 1)):
        due = snap.get("due") if snap else None
        if not due:
            continue
        for dim, key in snap["k"].items():
            k = (dim, key, snap["t"], snap["d"], snap["i"], due)
            acc[k] = acc.get(k, 0) + sign
    for k, n in acc.items():
        if n:
            yield k, n


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _key_fields(dim: str, value: Any, kind: str, day: date | str, imported: bool) -> dict[str, Any]:
    """The fields of a row key (dimension, value, kind, day of receipt, imported) shared by the roll-up's
    rows and the open cases by due day: an id value goes to `ikey`, a code to `skey`."""
    return {
        "dim": dim,
        "ikey": value if isinstance(value, int) else None,
        "skey": value if isinstance(value, str) else "",
        "kind": kind,
        "day": _day(day),
        "imported": imported,
    }


def _due_delta(key: tuple[Any, ...], n: int, *, fresh: bool = True) -> KpiOpenDue:
    *head, due = key
    return KpiOpenDue(**_key_fields(*head), due=_day(due), n=n, fresh=fresh)


def _delta(key: tuple[Any, ...], counts: dict[str, int]) -> KpiRollup:
    return KpiRollup(**_key_fields(*key), **{c: n for c, n in counts.items() if c in COUNTERS})


def record(case: Case) -> None:
    """Inside the writer's transaction, after the change: append the case's KPI delta rows and set
    `case.kpi_keys` (the caller saves it with the case)."""
    previous = case.kpi_keys
    if kinds.is_sealed(case.kind):
        case.kpi_keys = {}
        return
    memo: dict[str, Any] = {"previous": previous}
    keys = {name: dim.value_of(case, memo) for name, dim in rolled_dimensions().items() if dim.value_of}
    new = snapshot(case, keys)
    if new == previous:
        return
    # From INSERT text built once per process (`lib.fastinsert`): the ORM's compile of these rows was a
    # fifth of an intake's CPU.
    fastinsert.insert_many([_delta(k, c) for k, c in _rows(previous, new)])
    fastinsert.insert_many([_due_delta(k, n) for k, n in _due_rows(previous, new)])
    case.kpi_keys = new


def pending() -> bool:
    """True while some case is not in the roll-up (written by a bulk path, or before the first rebuild)."""
    return Case.objects.filter(kpi_keys__isnull=True).exists()


# ---------------------------------------------------------------- rebuild and fold

_BATCH = 5000


def _affected(since: date | None) -> QuerySet[Case]:
    qs = Case.objects.order_by()
    if since is None:
        return qs
    lo = datetime.combine(since, time.min, tzinfo=kpis.TZ)
    return qs.filter(Q(received_at__gte=lo) | Q(resolved_at__gte=lo))


def rebuild(since: date | None = None, *, log: Any = None) -> dict[str, int]:
    """Recount the roll-up from the cases (each case's state is the fold of its timeline): all of it, or —
    after a change of the working calendar on `since` or later — the cases received or resolved since.

    Safe while the server writes: a full rebuild first empties the roll-up and marks every case as not yet
    counted (readers count per case meanwhile; a writer that changes such a case adds its whole new
    contribution), then counts the cases in batches, each batch under the cases' row locks — the lock every
    writer takes first — so no change is counted twice or lost."""
    from .models import KpiRollupMark, KpiRollupMonth

    cal = current_calendar(force=True)
    calendar = _calendar_print()
    dims = rolled_dimensions()
    sealed = set(kinds.sealed_kinds())
    if since is None:
        with transaction.atomic():
            # The mark first: a fold in progress finishes before the rows it merges are dropped.
            mark, _ = KpiRollupMark.objects.select_for_update().get_or_create(pk=1)
            # The cases first: this waits for the writers holding a case's lock and keeps later ones
            # waiting, so the rows deleted next include every delta a finished writer committed.
            Case.objects.exclude(kpi_keys__isnull=True).update(kpi_keys=None)
            KpiRollup.objects.all().delete()
            KpiRollupMonth.objects.all().delete()
            KpiOpenDue.objects.all().delete()
            mark.folded_to = 0
            mark.token = uuid.uuid4().hex
            mark.save(update_fields=["folded_to", "token"])
        ids = list(Case.objects.filter(kpi_keys__isnull=True).order_by("id").values_list("id", flat=True))
    else:
        ids = list(_affected(since).order_by("id").values_list("id", flat=True))
    fields = [f.attname for f in Case._meta.concrete_fields if f.attname not in ("description", "sealed")]
    rows = 0
    for i in range(0, len(ids), _BATCH):
        chunk = ids[i : i + _BATCH]
        acc: dict[tuple[Any, ...], dict[str, int]] = {}
        due: dict[tuple[Any, ...], int] = {}
        updates: list[tuple[str, int]] = []
        with transaction.atomic():
            qs = (
                Case.objects.select_for_update(of=("self",))
                .filter(pk__in=chunk)
                .order_by("id")
                .annotate(**{f"_k_{name}": d.expr() for name, d in dims.items()})
                .only(*fields)
            )
            for case in qs:
                if case.kind in sealed:
                    new: dict[str, Any] = {}
                else:
                    keys = {name: kpis._norm(getattr(case, f"_k_{name}")) for name in dims}
                    new = snapshot(case, keys, cal)
                if new == case.kpi_keys:
                    continue
                for k, counts in _rows(case.kpi_keys, new):
                    row = acc.setdefault(k, {})
                    for c, v in counts.items():
                        row[c] = row.get(c, 0) + v
                for k, n in _due_rows(case.kpi_keys, new):
                    due[k] = due.get(k, 0) + n
                updates.append((json.dumps(new, ensure_ascii=False), case.pk))
            _write_snapshots(updates)
            deltas = [_delta(k, c) for k, c in acc.items() if any(c.values())]
            KpiRollup.objects.bulk_create(deltas, batch_size=_BATCH)
            KpiOpenDue.objects.bulk_create([_due_delta(k, n) for k, n in due.items() if n], batch_size=_BATCH)
            rows += len(deltas)
    with transaction.atomic():
        mark, _ = KpiRollupMark.objects.select_for_update().get_or_create(pk=1)
        mark.calendar = calendar
        mark.save(update_fields=["calendar"])
    if since is None:
        # Fresh statistics: taken while every case was waiting to be counted, they would tell the planner the
        # partial index of those cases is as big as the table, and `pending()` would scan every case.
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {Case._meta.db_table}")
    folded = fold()
    if log:
        log(f"roll-up: {len(ids)} cases recounted, {rows} rows written, {folded} folded")
    return {"cases": len(ids), "rows": rows, "folded": folded}


def _write_snapshots(updates: list[tuple[str, int]]) -> None:
    if not updates:
        return
    table = Case._meta.db_table
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cur:
        cur.executemany(f"UPDATE {table} SET kpi_keys = %s{cast} WHERE id = %s", updates)


def _first(d: date) -> date:
    return d.replace(day=1)


def _month_end(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1) - timedelta(days=1)


def _claim() -> list[tuple[str, date]]:
    """Mark every daily row not yet in its month as `monthed`; the (dimension, day) of each. One statement,
    so exactly the rows it marks are the ones returned (a writer's row committed meanwhile stays fresh)."""
    table = KpiRollup._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET monthed = %s WHERE monthed = %s RETURNING dim, day", [True, False])
        got = cur.fetchall()
    return [(dim, d if isinstance(d, date) else date.fromisoformat(d)) for dim, d in got]


def _recount_months(months: Iterable[tuple[str, date]]) -> int:
    """Recount the given (dimension, month) rows of `KpiRollupMonth` from the `monthed` daily rows."""
    from .models import KpiRollupMonth

    written = 0
    for dim, first in sorted(set(months)):
        KpiRollupMonth.objects.filter(dim=dim, month=first).delete()
        sums = (
            KpiRollup.objects.filter(dim=dim, monthed=True, day__gte=first, day__lte=_month_end(first))
            .order_by()
            .values("ikey", "skey", "kind", "imported")
            .annotate(**{f"s_{c}": Sum(c) for c in COUNTERS})
        )
        rows = [
            KpiRollupMonth(
                dim=dim,
                month=first,
                ikey=r["ikey"],
                skey=r["skey"],
                kind=r["kind"],
                imported=r["imported"],
                **{c: r[f"s_{c}"] or 0 for c in COUNTERS},
            )
            for r in cast(Iterable[dict[str, Any]], sums)
        ]
        rows = [r for r in rows if any(getattr(r, c) for c in COUNTERS)]
        KpiRollupMonth.objects.bulk_create(rows, batch_size=_BATCH)
        written += len(rows)
    return written


def _compact(days: dict[str, set[date]]) -> int:
    """Merge the `monthed` rows of each (dimension, value, kind, day, imported) of the given days into one:
    the table stays small; no figure changes (a month counts the same sum either way)."""
    key = ("ikey", "skey", "kind", "day", "imported")
    merged = 0
    for dim, ds in days.items():
        scope = KpiRollup.objects.filter(dim=dim, monthed=True).order_by()
        # Few days (a worker's round): the days themselves; many (a rebuild, a bulk load): their span.
        scope = (
            scope.filter(day__in=sorted(ds))
            if len(ds) <= 200
            else scope.filter(day__gte=min(ds), day__lte=max(ds))
        )
        dupes = list(scope.values(*key).annotate(n=Count("id")).filter(n__gt=1).values_list(*key))
        for i in range(0, len(dupes), 200):
            chunk = dupes[i : i + 200]
            q = Q()
            for ikey, skey, kind, day, imported in chunk:
                q |= Q(ikey=ikey, skey=skey, kind=kind, day=day, imported=imported)
            groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
            for r in scope.filter(q).values("id", *key, *COUNTERS):
                groups.setdefault(tuple(r[k] for k in key), []).append(r)
            gone: list[int] = []
            sums: list[KpiRollup] = []
            for (ikey, skey, kind, day, imported), rs in groups.items():
                if len(rs) < 2:
                    continue
                total = {c: sum(r[c] for r in rs) for c in COUNTERS}
                gone.extend(r["id"] for r in rs)
                merged += len(rs)
                if any(total.values()):
                    sums.append(
                        KpiRollup(
                            dim=dim,
                            ikey=ikey,
                            skey=skey,
                            kind=kind,
                            day=day,
                            imported=imported,
                            monthed=True,
                            **total,
                        )
                    )
            for j in range(0, len(gone), 900):
                KpiRollup.objects.filter(pk__in=gone[j : j + 900]).delete()
            KpiRollup.objects.bulk_create(sums, batch_size=_BATCH)
    return merged


def _as_date(d: Any) -> date:
    return d if isinstance(d, date) else date.fromisoformat(d)


def _fold_due() -> int:
    """Merge the `KpiOpenDue` rows of each key a writer appended to since the last fold into one row, and
    drop the keys whose rows sum to 0 (their cases closed, or their deadline moved): the table stays about
    one row per key of the open cases. Returns the rows it removed. No sum changes, and a reader's one
    statement sees the merge entirely or not at all."""
    table = KpiOpenDue._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET fresh = %s WHERE fresh = %s RETURNING dim, day, due", [False, True])
        touched = sorted({(dim, _as_date(day), _as_date(due)) for dim, day, due in cur.fetchall()})
    key = ("dim", "ikey", "skey", "kind", "day", "due", "imported")
    removed = 0
    for i in range(0, len(touched), 200):
        q = Q()
        for dim, day, due in touched[i : i + 200]:
            q |= Q(dim=dim, day=day, due=due)
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for r in KpiOpenDue.objects.filter(q).values("id", *key, "n"):
            groups.setdefault(tuple(r[k] for k in key), []).append(r)
        gone: list[int] = []
        sums: list[KpiOpenDue] = []
        for k, rs in groups.items():
            total = sum(r["n"] for r in rs)
            if len(rs) == 1 and total:
                continue
            # Deleted by id: a writer's row committed meanwhile is not among them and stays for the next fold.
            gone.extend(r["id"] for r in rs)
            if total:
                sums.append(KpiOpenDue(**dict(zip(key, k, strict=True)), n=total, fresh=False))
        for j in range(0, len(gone), 900):
            KpiOpenDue.objects.filter(pk__in=gone[j : j + 900]).delete()
        KpiOpenDue.objects.bulk_create(sums, batch_size=_BATCH)
        removed += len(gone) - len(sums)
    return removed


def fold() -> int:
    """The worker's round (and what a bulk load calls after writing daily rows): count the daily rows
    appended since the last fold into their months — each touched month of `KpiRollupMonth` is recounted
    from its daily rows, in the transaction that marks them `monthed` — and merge each day's rows of one
    (dimension, value, kind, imported) into one; merge the open cases' due-day rows (`_fold_due`). Returns
    how many daily rows were counted into months.

    Readers sum the months, the daily rows of the edge days and the rows not yet counted, in one
    statement, so no figure changes at any moment of a fold (docs/kpis.md)."""
    from .models import KpiRollupMark, KpiRollupMonth

    with transaction.atomic():
        mark, _ = KpiRollupMark.objects.select_for_update().get_or_create(pk=1)
        _fold_due()
        fresh = _claim()
        if not fresh:
            return 0
        _recount_months((dim, _first(day)) for dim, day in fresh)
        days: dict[str, set[date]] = {}
        for dim, day in fresh:
            days.setdefault(dim, set()).add(day)
        _compact(days)
        mark.folded_to = KpiRollup.objects.aggregate(m=Max("id"))["m"] or 0
        mark.token = uuid.uuid4().hex  # the counted part changed: readers' kept sums are stale
        mark.save(update_fields=["folded_to", "token"])
        if len(fresh) > _BATCH:
            # After a bulk load or a rebuild: statistics taken while every row was fresh would send the
            # readers' "fresh rows" part through the whole table instead of its partial index.
            with connection.cursor() as cur:
                for model in (KpiRollup, KpiRollupMonth):
                    cur.execute(f"ANALYZE {model._meta.db_table}")
    return len(fresh)


def rebuild_months(since: date | None = None) -> int:
    """Recount the monthly level from the daily rows: every month, or those from the month of `since` on
    (after rows were written around `fold`). Returns the month rows written."""
    from .models import KpiRollupMark, KpiRollupMonth

    with transaction.atomic():
        mark, _ = KpiRollupMark.objects.select_for_update().get_or_create(pk=1)
        mark.token = uuid.uuid4().hex
        mark.save(update_fields=["token"])
        fresh = _claim()
        rows = KpiRollup.objects.filter(monthed=True)
        months = KpiRollupMonth.objects.all()
        if since is not None:
            rows = rows.filter(day__gte=_first(since))
            months = months.filter(month__gte=_first(since))
        pairs = {(dim, _first(day)) for dim, day in rows.order_by().values_list("dim", "day").distinct()}
        pairs |= set(months.values_list("dim", "month").distinct())
        pairs |= {(dim, _first(day)) for dim, day in fresh}  # a fresh row's month is in the months too
        return _recount_months(pairs)


# ---------------------------------------------------------------- the working calendar


def _calendar_print() -> dict[str, Any]:
    """What the working days depend on: the override days and the confirmed years."""
    from nuanqi.calendars.models import CalendarDay, ConfirmedYear

    return {
        "days": {d.isoformat(): w for d, w in CalendarDay.objects.values_list("date", "workday")},
        "years": sorted(ConfirmedYear.objects.values_list("year", flat=True)),
    }


def calendar_changed_since() -> date | None:
    """The first day whose working status changed since the roll-up was counted, or None."""
    from .models import KpiRollupMark

    mark = KpiRollupMark.objects.filter(pk=1).first()
    if mark is None or mark.calendar is None:
        return None
    now = _calendar_print()
    old = mark.calendar
    changed = [
        date.fromisoformat(d)
        for d in set(old.get("days", {})) | set(now["days"])
        if old.get("days", {}).get(d) != now["days"].get(d)
    ]
    changed += [date(y, 1, 1) for y in set(old.get("years", [])) ^ set(now["years"])]
    return min(changed) if changed else None


def follow_calendar(log: Any = None) -> date | None:
    """The worker's check: a calendar change (a notice entered, a typhoon day) recounts the roll-up from
    the first changed day — `nuanqi kpis rebuild --since DATE`."""
    since = calendar_changed_since()
    if since is not None:
        rebuild(since, log=log)
    return since


# ---------------------------------------------------------------- reading


def read(
    start: date,
    end: date,
    by: str | None = None,
    *,
    kind: str = "",
    imported: bool | None = None,
    now: datetime | None = None,
) -> list[kpis.Kpi] | None:
    """Every case's KPIs (all but sealed kinds) from the roll-up: the same rows `kpis.compute` gives over
    all cases, from a few thousand roll-up rows and the open cases. None when the roll-up cannot answer
    (some case not rolled up yet, or a dimension that is not rolled up): the caller computes per case."""
    dims = kpis.dimensions()
    dim = dims.get(by) if by else None
    if by and dim is None:
        choices = "、".join(dims)
        raise kpis.Invalid(f"不支持按“{by}”统计（可选：{choices}）", "invalid_dimension", field="by")
    if dim is not None and dim.value_of is None and dim.from_day is None:
        return None
    if pending():
        return None
    now = now or timezone.now()
    source = by if by and dim is not None and dim.value_of is not None else "kind"
    by_day = dim is not None and dim.value_of is None
    kpis.period_bounds(start, end)  # the same check of the period as the per-case count
    acc: dict[Any, dict[str, int]] = {}
    # 超期 (docs/kpis.md): the open cases due before today, from the rows, plus those due today and past.
    overdue = due_today(source, start, end, dim if by_day else None, kind=kind, imported=imported, now=now)
    for r in _sums(source, start, end, by_day, kind, imported, today=local_day(now)):
        if dim is None:
            key = None
        elif by_day and dim.from_day is not None:
            key = dim.from_day(r["_d"])
        else:
            key = _value(r["ikey"], r["skey"])
        if r["_part"] == _OVERDUE:
            overdue[key] = overdue.get(key, 0) + (r["s_received"] or 0)
            continue
        tally = acc.setdefault(key, dict.fromkeys(COUNTERS, 0))
        sign = -1 if r["_part"] == _OUTSIDE else 1
        for c in COUNTERS:
            tally[c] += sign * (r[f"s_{c}"] or 0)
    if dim is None:  # the total: `due_today` keyed it by kind, the source dimension
        overdue = {None: sum(overdue.values())}
    keys = [k for k, t in acc.items() if t["received"]]
    names = dim.names(keys) if dim is not None else {}
    out = []
    for key in keys:
        t = acc[key]
        k = kpis.Kpi(key=key, name=names.get(key, "（未指定）") if dim is not None else "合计")
        for c in ROLLED:
            setattr(k, c, t[c])
        k.overdue = overdue.get(key, 0)
        k.avg_days = round(t["wd_sum"] / t["resolved"], 2) if t["resolved"] else None
        kpis._rates(k)
        out.append(k)
    if dim is None and not out:
        k = kpis.Kpi()
        kpis._rates(k)
        out.append(k)
    out.sort(key=lambda k: (-k.received, str(k.name)))
    return out


def _value(ikey: Any, skey: Any) -> Any:
    """A roll-up row's dimension value as `read` keys it (an id, a code, or None)."""
    return ikey if ikey is not None else (skey or None)


def due_today(
    source: str,
    start: date,
    end: date,
    by_day: kpis.Dimension | None = None,
    *,
    kind: str = "",
    imported: bool | None = None,
    now: datetime,
) -> dict[Any, int]:
    """The live part of 超期: per value of the rolled-up dimension `source`, the open cases received in
    [start, end] whose deadline falls on today (the local day of `now`) and has passed (keyed as `read`
    keys its rows; `by_day`: a dimension of the receipt day, e.g. month, keyed by `from_day`).

    Per case (docs/kpis.md) a case is overdue when it is open and `resolve_due < now`. An open case due on an
    earlier day is overdue (its deadline is before today's 00:00 ≤ now), one due on a later day is not (its
    deadline is at or after tomorrow's 00:00 > now). So

        超期 = Σ `KpiOpenDue.n` over the rows due before today (a part of `read`'s one statement)
             + the open cases with today's 00:00 ≤ `resolve_due` < now (this count)

    Those cases are read through the (status, resolve_due) index and grouped by their roll-up snapshot — the
    record the rows were written from, in the same transaction as the status and the deadline — so both
    parts attribute a case to the same value."""
    today = local_day(now)
    midnight = datetime.combine(today, time.min, tzinfo=kpis.TZ)
    out: dict[Any, int] = {}
    if now <= midnight:
        return out
    uncounted = set(kinds.statuses(counted=False))
    statuses = [s for s in dict.fromkeys(kinds.statuses(kinds.OPEN)) if s not in uncounted]
    cases = (
        Case.objects.filter(status__in=statuses, resolve_due__gte=midnight, resolve_due__lt=now)
        .order_by()
        .values_list("kpi_keys", flat=True)
    )
    first, last, day = start.isoformat(), end.isoformat(), today.isoformat()
    for snap in cases:
        if not snap or snap.get("due") != day or not first <= snap["d"] <= last or source not in snap["k"]:
            continue
        if (kind and snap["t"] != kind) or (imported is not None and snap["i"] != imported):
            continue
        if by_day is not None and by_day.from_day is not None:
            key = by_day.from_day(date.fromisoformat(snap["d"]))
        else:
            value = snap["k"][source]
            key = value if value != "" else None
        out[key] = out.get(key, 0) + 1
    return out


_Plan = tuple[list[date], list[tuple[date, date]], list[tuple[date, date]]]


def _span(a: date, b: date, today: date | None) -> int:
    """The days of [a, b] that can hold daily rows (none after today)."""
    if today is not None:
        b = min(b, today)
    return max((b - a).days + 1, 0)


def plan(start: date, end: date, today: date | None = None) -> _Plan:
    """How `read` covers [start, end]: the months read whole from `KpiRollupMonth`, the day ranges read from
    the daily rows, and the day ranges of a whole-read edge month outside the period, whose daily rows are
    subtracted. An edge month is read from whichever side has fewer days (days after `today` hold no rows,
    so they cost nothing)."""
    whole: list[date] = []
    days: list[tuple[date, date]] = []
    outside: list[tuple[date, date]] = []
    first = _first(start)
    while first <= end:
        last = _month_end(first)
        lo, hi = max(start, first), min(end, last)
        if (lo, hi) == (first, last):
            whole.append(first)
        else:
            cut = [(first, lo - timedelta(days=1)), (hi + timedelta(days=1), last)]
            cut = [(a, b) for a, b in cut if a <= b]
            if sum(_span(a, b, today) for a, b in cut) < _span(lo, hi, today):
                whole.append(first)
                outside.extend(cut)
            else:
                days.append((lo, hi))
        first = last + timedelta(days=1)
    return whole, days, outside


def _in(ranges: list[tuple[date, date]]) -> Q:
    q = Q()
    for a, b in ranges:
        q |= Q(day__gte=a, day__lte=b)
    return q


# The parts of a read (`_sums`): the rows not yet counted into their months, then the counted part —
# whole months, counted daily rows of the days read, counted daily rows subtracted — and the mark's token;
# and the open cases due before today (超期; Σ `KpiOpenDue.n` in the `s_received` column).
_FRESH, _MONTHS, _DAYS, _OUTSIDE, _TOKEN, _OVERDUE = range(6)
# Per process: the counted part's sums of the last periods read, with the token they were read under.
_KEPT: OrderedDict[tuple[Any, ...], tuple[str, list[dict[str, Any]]]] = OrderedDict()
_KEEP = 64


def forget_kept() -> None:
    """Drop the counted sums this process keeps (`_sums`): for a process whose database was replaced under it
    (a test database rolled back, a restored backup), where a token could name another database's rows."""
    _KEPT.clear()


def _sums(
    dim: str,
    start: date,
    end: date,
    by_day: bool,
    kind: str,
    imported: bool | None,
    *,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """The counter sums of one dimension over [start, end], grouped by value (and by day or month when
    `by_day`), each row with its part (`_part`; `_OUTSIDE` enters negated):

        Σ = whole months + counted daily rows of the days read
            − counted daily rows of the whole-read months' days outside the period
            + fresh daily rows (not yet counted into their months) in the period

    With `today`, the same statement also sums the open cases by due day (`KpiOpenDue`) of the period's
    receipt days due before today (`_OVERDUE`: their Σ n in `s_received`; never kept, they move with every
    change of status or deadline). One statement (a UNION ALL), so every part comes from one snapshot: a
    fold that commits meanwhile is seen entirely or not at all. The counted part changes only in a
    transaction that writes a new `KpiRollupMark.token`, read in the same statement; so the counted part kept
    from an earlier read under the same token is the counted part now, and only the fresh rows (and the
    open cases by due day) are read again (docs/kpis.md)."""
    key = (connection.alias, dim, start, end, by_day, kind, imported, today)
    kept = _KEPT.get(key)
    if kept is not None:
        token, rows = _query(dim, start, end, by_day, kind, imported, today=today, counted=False)
        if token is not None and token == kept[0]:
            _KEPT.move_to_end(key)
            return kept[1] + rows
    token, rows = _query(dim, start, end, by_day, kind, imported, today=today, counted=True)
    if token is not None:
        _KEPT[key] = (token, [r for r in rows if r["_part"] not in (_FRESH, _OVERDUE)])
        while len(_KEPT) > _KEEP:
            _KEPT.popitem(last=False)
    return rows


def _query(
    dim: str,
    start: date,
    end: date,
    by_day: bool,
    kind: str,
    imported: bool | None,
    *,
    today: date | None,
    counted: bool,
) -> tuple[str | None, list[dict[str, Any]]]:
    """The fresh rows' sums, and the counted part's when `counted`, with the mark's token: one statement."""
    from .models import KpiRollupMark, KpiRollupMonth

    sums = {f"s_{c}": Sum(c) for c in COUNTERS}
    group = ["ikey", "skey", "_d"] if by_day else ["ikey", "skey"]

    def part(qs: QuerySet[Any], tag: int, day_field: str) -> QuerySet[Any]:
        qs = qs.filter(dim=dim).order_by()
        if kind:
            qs = qs.filter(kind=kind)
        if imported is not None:
            qs = qs.filter(imported=imported)
        fields = {"_d": F(day_field)} if by_day else {}
        return (
            qs.annotate(**fields)
            .values(*group)
            .annotate(_part=Value(tag, output_field=IntegerField()), **sums)
            .values(*group, "_part", *sums)
        )

    mark = KpiRollupMark.objects.filter(pk=1).annotate(
        ikey=Value(None, output_field=BigIntegerField()),
        skey=F("token"),
        **({"_d": Value(None, output_field=DateField())} if by_day else {}),
        _part=Value(_TOKEN, output_field=IntegerField()),
        **{f"s_{c}": Value(0, output_field=IntegerField()) for c in COUNTERS},
    )
    parts = [
        part(KpiRollup.objects.filter(monthed=False, day__gte=start, day__lte=end), _FRESH, "day"),
        mark.values(*group, "_part", *sums),
    ]
    if today is not None:
        due = KpiOpenDue.objects.filter(dim=dim, due__lt=today, day__gte=start, day__lte=end).order_by()
        if kind:
            due = due.filter(kind=kind)
        if imported is not None:
            due = due.filter(imported=imported)
        parts.append(
            due.annotate(**({"_d": F("day")} if by_day else {}))
            .values(*group)
            .annotate(
                _part=Value(_OVERDUE, output_field=IntegerField()),
                **{
                    f"s_{c}": Sum("n") if c == "received" else Value(0, output_field=IntegerField())
                    for c in COUNTERS
                },
            )
            .values(*group, "_part", *sums)
        )
    if counted:
        whole, days, outside = plan(start, end, today)
        if whole:
            parts.append(part(KpiRollupMonth.objects.filter(month__in=whole), _MONTHS, "month"))
        if days:
            parts.append(part(KpiRollup.objects.filter(_in(days), monthed=True), _DAYS, "day"))
        if outside:
            parts.append(part(KpiRollup.objects.filter(_in(outside), monthed=True), _OUTSIDE, "day"))
    head, *rest = parts
    token: str | None = None
    rows = []
    for r in head.union(*rest, all=True):
        if r["_part"] == _TOKEN:
            token = r["skey"]
        else:
            rows.append(r)
    return token, rows

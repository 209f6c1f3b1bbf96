"""The daily KPI roll-up: what each case adds to the figures, kept by the single writer (docs/kpis.md).

A case contributes, to the day it was received, one set of counters (`contribution`) under each rolled-up
dimension's value (`kpis.Dimension.value_of`), plus its kind and `imported` flag. The writer records the
contribution on the case (`Case.kpi_keys`) and appends the difference from the last one as delta rows of
`KpiRollup` — one row per dimension whose figures moved, in one INSERT inside the change's transaction.
No row is updated in place, so concurrent intakes of one unit and day never wait on each other's row lock;
the worker folds the deltas (`fold`), and readers sum whatever is there, folded or not, so every figure is
exact at every moment.

`open` and `overdue` move with the clock, so they are not rolled up: `kpis.compute_rollup` counts them live
over the open cases (an indexed few among the cohort). Sealed kinds and uncounted statuses (a merged
duplicate) contribute nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from nuanqi.calendars.services import current_calendar

from . import kinds, kpis
from .dbfuncs import LocalDate
from .models import AppealState, Case, KpiRollup, Satisfaction

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
        "wd_sum": working_days(case.received_at, case.resolved_at, cal)
        if resolved and case.resolved_at is not None
        else 0,
    }
    return {k: int(v) for k, v in c.items() if v}


def snapshot(case: Case, keys: dict[str, Any], cal: Any = None) -> dict[str, Any]:
    """What `Case.kpi_keys` holds: {} for a case that counts nowhere."""
    counts = contribution(case, cal)
    if counts is None:
        return {}
    return {
        "d": local_day(case.received_at).isoformat(),
        "t": case.kind,
        "i": bool(case.imported),
        "cid": case.category_id,
        "k": keys,
        "c": counts,
    }


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


def _delta(key: tuple[Any, ...], counts: dict[str, int]) -> KpiRollup:
    dim, value, kind, day, imported = key
    return KpiRollup(
        dim=dim,
        ikey=value if isinstance(value, int) else None,
        skey=value if isinstance(value, str) else "",
        kind=kind,
        day=date.fromisoformat(day) if isinstance(day, str) else day,
        imported=imported,
        **{c: n for c, n in counts.items() if c in COUNTERS},
    )


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
    rows = [_delta(k, c) for k, c in _rows(previous, new)]
    if rows:
        KpiRollup.objects.bulk_create(rows)
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
    from .models import KpiRollupMark

    cal = current_calendar(force=True)
    calendar = _calendar_print()
    dims = rolled_dimensions()
    sealed = set(kinds.sealed_kinds())
    if since is None:
        with transaction.atomic():
            KpiRollup.objects.all().delete()
            Case.objects.exclude(kpi_keys__isnull=True).update(kpi_keys=None)
            KpiRollupMark.objects.update_or_create(pk=1, defaults={"folded_to": 0})
        ids = list(Case.objects.filter(kpi_keys__isnull=True).order_by("id").values_list("id", flat=True))
    else:
        ids = list(_affected(since).order_by("id").values_list("id", flat=True))
    fields = [f.attname for f in Case._meta.concrete_fields if f.attname not in ("description", "sealed")]
    rows = 0
    for i in range(0, len(ids), _BATCH):
        chunk = ids[i : i + _BATCH]
        acc: dict[tuple[Any, ...], dict[str, int]] = {}
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
                updates.append((json.dumps(new, ensure_ascii=False), case.pk))
            _write_snapshots(updates)
            deltas = [_delta(k, c) for k, c in acc.items() if any(c.values())]
            KpiRollup.objects.bulk_create(deltas, batch_size=_BATCH)
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


def fold() -> int:
    """Fold the delta rows appended since the last fold into one row per (dimension, value, kind, day,
    imported). Readers sum, so this only keeps the table small; it changes no figure."""
    from .models import KpiRollupMark

    with transaction.atomic():
        mark, _ = KpiRollupMark.objects.select_for_update().get_or_create(pk=1)
        top = KpiRollup.objects.aggregate(m=Max("id"))["m"] or 0
        if top <= mark.folded_to:
            return 0
        touched = set(
            KpiRollup.objects.filter(id__gt=mark.folded_to, id__lte=top).values_list("dim", "day").distinct()
        )
        folded = 0
        by_dim: dict[str, set[date]] = {}
        for dim, day in touched:
            by_dim.setdefault(dim, set()).add(day)
        for dim, days in by_dim.items():
            groups: dict[tuple[Any, ...], list[KpiRollup]] = {}
            for r in KpiRollup.objects.filter(dim=dim, day__in=sorted(days), id__lte=top):
                groups.setdefault((r.dim, r.ikey, r.skey, r.kind, r.day, r.imported), []).append(r)
            gone: list[int] = []
            sums: list[KpiRollup] = []
            for (d, ikey, skey, kind, day, imported), rs in groups.items():
                if len(rs) == 1:
                    continue
                total = {c: sum(getattr(r, c) for r in rs) for c in COUNTERS}
                gone.extend(r.pk for r in rs)
                folded += len(rs)
                if any(total.values()):
                    sums.append(
                        KpiRollup(dim=d, ikey=ikey, skey=skey, kind=kind, day=day, imported=imported, **total)
                    )
            for i in range(0, len(gone), 900):
                KpiRollup.objects.filter(pk__in=gone[i : i + 900]).delete()
            KpiRollup.objects.bulk_create(sums, batch_size=_BATCH)
        mark.folded_to = KpiRollup.objects.aggregate(m=Max("id"))["m"] or 0
        mark.save(update_fields=["folded_to"])
    return folded


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
    from django.db.models import Count, IntegerField, Sum, Value

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
    source = by if dim is not None and dim.value_of is not None else "kind"
    rows = KpiRollup.objects.filter(dim=source, day__gte=start, day__lte=end)
    if kind:
        rows = rows.filter(kind=kind)
    if imported is not None:
        rows = rows.filter(imported=imported)
    by_day = dim is not None and dim.value_of is None
    group = ["ikey", "skey", "day"] if by_day else ["ikey", "skey"]
    acc: dict[Any, dict[str, int]] = {}
    for r in rows.order_by().values(*group).annotate(**{f"s_{c}": Sum(c) for c in COUNTERS}):
        if dim is None:
            key = None
        elif by_day and dim.from_day is not None:
            key = dim.from_day(r["day"])
        else:
            key = r["ikey"] if r["ikey"] is not None else (r["skey"] or None)
        tally = acc.setdefault(key, dict.fromkeys(COUNTERS, 0))
        for c in COUNTERS:
            tally[c] += r[f"s_{c}"] or 0
    # open and overdue move with the clock: counted live over the open cases (a few among all), grouped by
    # day of receipt and kept to the period here — a date range in SQL would let the planner walk every case
    # of the period by its receipt index instead of the open ones by their status.
    cohort = Case.objects.filter(status__in=kinds.statuses(kinds.OPEN)).order_by()
    if uncounted := kinds.statuses(counted=False):
        cohort = cohort.exclude(status__in=uncounted)
    if sealed := kinds.sealed_kinds():
        cohort = cohort.exclude(kind__in=sealed)
    if kind:
        cohort = cohort.filter(kind=kind)
    if imported is not None:
        cohort = cohort.filter(imported=imported)
    live: dict[Any, tuple[int, int]] = {}
    key_expr = dim.expr() if dim is not None else Value(0, output_field=IntegerField())
    for r in (
        cohort.annotate(_key=key_expr, _day=LocalDate("received_at"))
        .values("_key", "_day")
        .annotate(o=Count("id"), od=Count("id", filter=Q(resolve_due__lt=now)))
    ):
        if not start <= r["_day"] <= end:
            continue
        key = kpis._norm(r["_key"]) if dim is not None else None
        o, od = live.get(key, (0, 0))
        live[key] = (o + r["o"], od + r["od"])
    keys = [k for k, t in acc.items() if t["received"]]
    names = dim.names(keys) if dim is not None else {}
    out = []
    for key in keys:
        t = acc[key]
        k = kpis.Kpi(key=key, name=names.get(key, "（未指定）") if dim is not None else "合计")
        for c in ROLLED:
            setattr(k, c, t[c])
        k.open, k.overdue = live.get(key, (0, 0))
        k.avg_days = round(t["wd_sum"] / t["resolved"], 2) if t["resolved"] else None
        kpis._rates(k)
        out.append(k)
    if dim is None and not out:
        k = kpis.Kpi()
        kpis._rates(k)
        out.append(k)
    out.sort(key=lambda k: (-k.received, str(k.name)))
    return out

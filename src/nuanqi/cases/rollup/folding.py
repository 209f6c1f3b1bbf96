"""Rebuilding the roll-up from the cases, folding the writers' delta rows, and following the working
calendar (see the package's docstring)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import (
    Count,
    Max,
    Q,
    QuerySet,
    Sum,
)

from nuanqi.calendars.services import current_calendar

from .. import kinds, kpis
from ..models import Case, KpiOpenDue, KpiRollup
from .writer import (
    COUNTERS,
    _delta,
    _due_delta,
    _due_rows,
    _rows,
    rolled_dimensions,
    snapshot,
)

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
    from ..models import KpiRollupMark, KpiRollupMonth

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
    from ..models import KpiRollupMonth

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
    from ..models import KpiRollupMark, KpiRollupMonth

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
    from ..models import KpiRollupMark, KpiRollupMonth

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
    from ..models import KpiRollupMark

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

"""Reading the roll-up: the counters of a span by dimension, with the open cases due today counted live
(see the package's docstring)."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    DateField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone

from .. import kinds, kpis
from ..models import Case, KpiOpenDue, KpiRollup
from .folding import _first, _month_end
from .writer import COUNTERS, ROLLED, local_day, pending

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
    from ..models import KpiRollupMark, KpiRollupMonth

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

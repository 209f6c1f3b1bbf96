"""The writer's side of the roll-up: what a case contributes, and its delta rows (see the package's
docstring)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from nuanqi.calendars.services import current_calendar
from nuanqi.lib import fastinsert

from .. import kinds, kpis
from ..models import AppealState, Case, KpiOpenDue, KpiRollup, Satisfaction

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

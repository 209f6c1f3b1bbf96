"""序时进度: how far a project should be by now, in working days, against how far it says it is.

planned % = working days from the start to today ÷ working days from the start to the planned completion
(both counted inclusive of the start day and of today / the completion day, weekends, statutory holidays and
closures excluded, 调休 workdays included, and the working days of 停工 periods excluded from the elapsed
count: a stopped project's clock does not run). gap = planned − reported, in percentage points.

Lights (the common 序时进度 practice; thresholds are the caller's, admin-configured):
- red    when gap > `red` points, or when nothing was reported `not_started_months` after the planned start;
- yellow when `yellow` ≤ gap ≤ `red`;
- green  otherwise (and before the start);
- done   at 100 %; paused while a 停工 period is open.

slip (working days) = elapsed working days − the working days the plan needed to reach the reported percent.

Pure Python: the working-day predicate is passed in (`worktime`'s calendar in the app).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

GREEN = "green"
YELLOW = "yellow"
RED = "red"
DONE = "done"
PAUSED = "paused"
LIGHTS = (GREEN, YELLOW, RED, DONE, PAUSED)
# Worst first: what a roll-up shows when its children disagree is its own computed light; this order ranks.
SEVERITY = {RED: 0, YELLOW: 1, PAUSED: 2, GREEN: 3, DONE: 4}

IsWorkday = Callable[[date], bool]


@dataclass(frozen=True)
class Thresholds:
    yellow: float = 10.0
    red: float = 30.0
    not_started_months: int = 3


@dataclass(frozen=True)
class Period:
    """A 停工 period, both days included; `end` None while it lasts."""

    start: date
    end: date | None = None

    def covers(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)


@dataclass(frozen=True)
class Progress:
    planned: float  # percent, 0–100, one decimal
    reported: float
    gap: float  # points; positive: behind the plan
    light: str
    slip_days: int  # working days behind; 0 when on or ahead of plan
    elapsed_days: int  # working days counted so far (停工 excluded)
    total_days: int  # working days from start to planned completion


def working_days(start: date, end: date, is_workday: IsWorkday, pauses: Sequence[Period] = ()) -> int:
    """Working days d with start ≤ d ≤ end that fall in no pause."""
    n = 0
    d = start
    while d <= end:
        if is_workday(d) and not any(p.covers(d) for p in pauses):
            n += 1
        d += timedelta(days=1)
    return n


def add_months(d: date, months: int) -> date:
    """The same day `months` later, or the month's last day (2023-11-30 + 3 → 2024-02-29)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in range(d.day, 27, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, min(d.day, 28))


def progress(
    *,
    start: date,
    planned_end: date,
    reported: float | None,
    today: date,
    is_workday: IsWorkday,
    pauses: Iterable[Period] = (),
    thresholds: Thresholds = Thresholds(),
) -> Progress:
    """The 序时进度 status of one project on `today`. `reported` None: nothing reported yet (counts as 0)."""
    stops = tuple(pauses)
    total = max(1, working_days(start, planned_end, is_workday))
    elapsed = working_days(start, today, is_workday, stops) if today >= start else 0
    planned = min(100.0, elapsed * 100.0 / total)
    done = max(0.0, min(100.0, float(reported or 0)))
    gap = round(planned - done, 1)
    needed = math.ceil(total * done / 100.0 - 1e-9)
    slip = max(0, elapsed - needed) if done < 100 else 0
    paused = any(p.covers(today) for p in stops)
    if done >= 100:
        light = DONE
    elif paused:
        light = PAUSED
    elif today < start:
        light = GREEN
    elif (not reported and today >= add_months(start, thresholds.not_started_months)) or gap > thresholds.red:
        light = RED
    elif gap >= thresholds.yellow:
        light = YELLOW
    else:
        light = GREEN
    return Progress(round(planned, 1), done, gap, light, slip, elapsed, total)


def roll_up(children: Sequence[tuple[float, float]]) -> float:
    """A parent's percent from its children's (percent, weight): the weighted mean (weights all 1 for a
    programme weighted by count, the planned investment for one weighted by investment). A parent whose
    weights are all zero falls back to the plain mean."""
    if not children:
        return 0.0
    weight = sum(w for _p, w in children)
    if weight <= 0:
        return round(sum(p for p, _w in children) / len(children), 1)
    return round(sum(p * w for p, w in children) / weight, 1)

"""Benchmark of the working-calendar deadline arithmetic (workload "calendar").

Times N calls each of add_working_days, add_working_hours, sub_working_hours and working_time_between
on random Asia/Shanghai starts in 2023-2026 through the public module-level API, next to a trivial
`datetime + timedelta` loop on the same inputs, and checks the results against a brute-force walk:
day by day over `chinese_calendar.is_workday` for working days (all N), minute by minute for hours
(a random sample, --check-hours, since the walk is slow).

    python bench/calendar_bench.py [--n 100000] [--json] [--check-hours 5000] [--seed 20230129]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time as clock
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import chinese_calendar

from nuanqi.worktime import (
    TZ,
    add_working_days,
    add_working_hours,
    default_calendar,
    sub_working_hours,
    working_time_between,
)

MINUTE = timedelta(minutes=1)
SESSIONS = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 0)))
FIRST = datetime(2023, 1, 1, tzinfo=TZ)
# The reference knows the published years only (chinese_calendar: to 2026). The app holds an unpublished
# year's statutory holidays and 补假 provisionally, which a weekday rule would call wrong, so every start lies
# early enough that its answer stays inside 2026 (at most 60 working days, 200 hours or 60 days later).
SPAN_MINUTES = int((datetime(2026, 8, 1, tzinfo=TZ) - FIRST) / MINUTE)


class BruteForce:
    """Independent reference: published calendar via chinese_calendar, default sessions, no overrides."""

    def __init__(self) -> None:
        self._workday: dict[date, bool] = {}
        self._minutes: dict[date, list[datetime]] = {}

    def is_workday(self, d: date) -> bool:
        if d not in self._workday:
            try:
                self._workday[d] = bool(chinese_calendar.is_workday(d))
            except NotImplementedError:  # unpublished year: weekday rule
                self._workday[d] = d.weekday() < 5
        return self._workday[d]

    def minutes_of(self, d: date) -> list[datetime]:
        if d not in self._minutes:
            out: list[datetime] = []
            if self.is_workday(d):
                for start, end in SESSIONS:
                    t, stop = datetime.combine(d, start, TZ), datetime.combine(d, end, TZ)
                    while t < stop:
                        out.append(t)
                        t += MINUTE
            self._minutes[d] = out
        return self._minutes[d]

    def add_days(self, start: datetime, n: int) -> datetime:
        d = start.date()
        while n:
            d += timedelta(days=1)
            n -= self.is_workday(d)
        return datetime.combine(d, SESSIONS[-1][1], TZ)

    def add_minutes(self, start: datetime, n: int) -> datetime:
        if n == 0:
            return start
        d = start.date()
        while True:
            for m in self.minutes_of(d):
                if m >= start:
                    n -= 1
                    if n == 0:
                        return m + MINUTE
            d += timedelta(days=1)

    def sub_minutes(self, end: datetime, n: int) -> datetime:
        if n == 0:
            return end
        d = end.date()
        while True:
            for m in reversed(self.minutes_of(d)):
                if m + MINUTE <= end:
                    n -= 1
                    if n == 0:
                        return m
            d -= timedelta(days=1)

    def minutes_between(self, a: datetime, b: datetime) -> int:
        n, d = 0, a.date()
        while d <= b.date():
            n += sum(1 for m in self.minutes_of(d) if a <= m and m + MINUTE <= b)
            d += timedelta(days=1)
        return n


def best_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = clock.perf_counter()
        fn()
        times.append(clock.perf_counter() - t0)
    return min(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000, help="calls per operation")
    parser.add_argument("--json", action="store_true", help="one JSON line per figure")
    parser.add_argument("--check-hours", type=int, default=5_000, help="starts checked by the minute walk")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per figure; the best is kept")
    parser.add_argument("--seed", type=int, default=20230129)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    n = args.n
    # Whole-minute starts and hours in whole minutes keep the minute-by-minute reference exact.
    starts = [FIRST + rng.randrange(SPAN_MINUTES) * MINUTE for _ in range(n)]
    days = [rng.randint(1, 60) for _ in range(n)]
    minutes = [rng.randint(0, 200 * 60) for _ in range(n)]
    hours = [m / 60 for m in minutes]
    ends = [s + timedelta(minutes=rng.randint(0, 60 * 24 * 60)) for s in starts]

    # First use builds each year's tables; time that separately, then measure the steady state.
    t0 = clock.perf_counter()
    cal = default_calendar()
    for year in range(2023, 2029):
        cal.is_workday(date(year, 1, 1))
    build_ms = (clock.perf_counter() - t0) * 1000 / 6

    ops: list[tuple[str, Callable[[], list[object]], Callable[[], list[object]]]] = [
        (
            "add_working_days",
            lambda: [add_working_days(s, d) for s, d in zip(starts, days, strict=True)],
            lambda: [s + timedelta(days=d) for s, d in zip(starts, days, strict=True)],
        ),
        (
            "add_working_hours",
            lambda: [add_working_hours(s, h) for s, h in zip(starts, hours, strict=True)],
            lambda: [s + timedelta(hours=h) for s, h in zip(starts, hours, strict=True)],
        ),
        (
            "sub_working_hours",
            lambda: [sub_working_hours(s, h) for s, h in zip(starts, hours, strict=True)],
            lambda: [s - timedelta(hours=h) for s, h in zip(starts, hours, strict=True)],
        ),
        (
            "working_time_between",
            lambda: [working_time_between(a, b) for a, b in zip(starts, ends, strict=True)],
            lambda: [b - a for a, b in zip(starts, ends, strict=True)],
        ),
    ]

    brute = BruteForce()
    sample = sorted(rng.sample(range(n), min(args.check_hours, n)))
    figures = []
    for op, run, reference in ops:
        seconds = best_seconds(run, args.repeat)
        ref_seconds = best_seconds(reference, args.repeat)
        results = run()
        if op == "add_working_days":
            checked = list(range(n))
            exact = all(results[i] == brute.add_days(starts[i], days[i]) for i in checked)
        elif op == "add_working_hours":
            checked = sample
            exact = all(results[i] == brute.add_minutes(starts[i], minutes[i]) for i in checked)
        elif op == "sub_working_hours":
            checked = sample
            exact = all(results[i] == brute.sub_minutes(starts[i], minutes[i]) for i in checked)
        else:
            checked = sample
            exact = all(results[i] == brute.minutes_between(starts[i], ends[i]) * MINUTE for i in checked)
        figures.append(
            {
                "workload": "calendar",
                "op": op,
                "n": n,
                "per_s": round(n / seconds),
                "us_per_call": round(seconds / n * 1e6, 3),
                "reference_us_per_call": round(ref_seconds / n * 1e6, 3),
                "ratio_vs_reference": round(seconds / ref_seconds, 2),
                "exact": exact,
                "checked": len(checked),
            }
        )

    if args.json:
        for fig in figures:
            print(json.dumps(fig, ensure_ascii=False))
    else:
        print(f"calendar benchmark: n={n}, best of {args.repeat}, Python {sys.version.split()[0]}")
        print(f"year table build: {build_ms:.2f} ms per year (once per year per calendar)")
        for fig in figures:
            print(
                f"  {fig['op']:<22} {fig['us_per_call']:>7.3f} µs/call  {fig['per_s']:>10,} /s  "
                f"reference {fig['reference_us_per_call']:.3f} µs (×{fig['ratio_vs_reference']})  "
                f"exact={fig['exact']} on {fig['checked']:,} checked"
            )
    return 0 if all(f["exact"] for f in figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""The leader's three-year KPI view in process: the roll-up's read against the per-case count, and its parts.

    NUANQI_HOME=var/bench/sqlite-100000 .venv/bin/python bench/kpi_read_bench.py [--reps 20] [--fold] [--json]

Runs on a seeded bench world (`bench/harness.py` or `nuanqi bench seed`; PostgreSQL through
NUANQI_DATABASE_URL). `--fold` first counts every daily row not yet in its month into the monthly level
(`cases.rollup.fold`, what the worker does each round) and reports how long it took. Then, for the period of
`bench/workloads.py` (the last 3 × 365 + 1 days): the first call of `kpis.compute_all` in this process
(`cold_ms`) and the median and p95 of `--reps` further calls, for each dimension; the two parts of a read
(the counter sums of the roll-up, with the open cases by due day; the live part: 超期's cases due today —
or, in the code before it, the live 在办/超期 count over the open cases); and the per-case
`kpis.compute` over every case as the reference measured in the same run (`--no-reference` skips it).
The figures agree with the reference (`exact`)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from typing import Any


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 1)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--fold", action="store_true")
    p.add_argument("--no-reference", action="store_true")
    p.add_argument("--by", default="unit,none,category,month")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from nuanqi.cases import kpis, models, rollup

    Case, KpiRollup = models.Case, models.KpiRollup
    months = hasattr(rollup, "plan")  # False: the code before the monthly level, for a before/after run

    out: list[dict[str, Any]] = []

    def emit(**fig: Any) -> None:
        out.append(fig)
        print(json.dumps(fig, ensure_ascii=False) if args.json else fig, flush=True)

    if args.fold and months:
        t0 = time.perf_counter()
        n = rollup.fold()
        emit(op="fold", ms=_ms(t0), rows=n)
    today = timezone.localdate()
    start, end = today - timedelta(days=3 * 365 + 1), today
    world: dict[str, Any] = {
        "db": connection.vendor,
        "cases": Case.objects.count(),
        "daily_rows": KpiRollup.objects.count(),
        "unit_daily_rows": KpiRollup.objects.filter(dim="unit", day__gte=start, day__lte=end).count(),
    }
    if months:
        whole, days, outside = rollup.plan(start, end, today)
        world.update(
            fresh_rows=KpiRollup.objects.filter(monthed=False).count(),
            month_rows=models.KpiRollupMonth.objects.count(),
            unit_month_rows=models.KpiRollupMonth.objects.filter(dim="unit", month__in=whole).count(),
            plan={"months": len(whole), "days": [str(r) for r in days], "outside": [str(r) for r in outside]},
        )
    emit(op="world", code="months" if months else "days", **world)
    for name in args.by.split(","):
        by = None if name == "none" else name
        t0 = time.perf_counter()
        got = kpis.compute_all(start, end, by)
        cold = _ms(t0)
        warm = []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            kpis.compute_all(start, end, by)
            warm.append(_ms(t0))
        warm.sort()
        fig: dict[str, Any] = {
            "op": "compute_all",
            "by": name,
            "rows": len(got),
            "cold_ms": cold,
            "p50_ms": statistics.median(warm),
            "p95_ms": warm[min(len(warm) - 1, int(0.95 * len(warm)))],
        }
        dim = kpis.dimensions().get(by) if by else None
        source = by if by and dim is not None and dim.value_of is not None else "kind"
        by_day = dim is not None and dim.value_of is None
        sums, live = [], []
        for _ in range(max(3, args.reps // 2) if months else 0):
            t0 = time.perf_counter()
            sums_of = getattr(rollup, "_sums", None) or rollup.reading._sums  # the code before: one module
            sums_of(source, start, end, by_day, "", None, today=today)
            sums.append(_ms(t0))
            t0 = time.perf_counter()
            if hasattr(rollup, "due_today"):  # 在办 rolled up, 超期's rows in the sums: the cases due today
                rollup.due_today(source, start, end, dim if by_day else None, now=timezone.now())
            else:  # the code before: both counted live over the open cases
                rollup.live_counts(start, end, dim, now=timezone.now())
            live.append(_ms(t0))
        if months:
            fig["sums_ms"] = statistics.median(sums)
            fig["live_ms"] = statistics.median(live)
        if not args.no_reference:
            t0 = time.perf_counter()
            want = kpis.compute(Case.objects.all(), start, end, by)
            fig["per_case_ms"] = _ms(t0)
            fig["exact"] = [k.as_dict() for k in got] == [k.as_dict() for k in want]
        emit(**fig)
    if not args.json:
        print(json.dumps(out, ensure_ascii=False), file=sys.stderr)


if __name__ == "__main__":
    main()

"""The leader's warm dashboard request in process: `GET /api/v1/kpis` over three years by unit.

    NUANQI_HOME=<copy of a world> .venv/bin/python bench/dashboard_request_bench.py [--reps 20] [--warm 3]

(+ NUANQI_DATABASE_URL for PostgreSQL.) The request goes through Django's test Client with the leader's bearer
token (a token issued here, as `bench/workloads.py` does: the world is written to, so use a copy), for the
period of `bench/workloads.py` (the last 3 × 365 + 1 days). After `--warm` warm-up requests, `--reps` requests
are timed one by one: wall time (`time.perf_counter`) and this process's CPU time (`time.process_time`, which
the other work on a shared machine does not inflate; a database server's CPU is not in it). Prints one JSON
line with the medians and p95s in milliseconds, and the world's roll-up row counts. `--as-server` starts the
process as `nuanqi serve`'s workers start (`nuanqi.wsgi`: its warm-up ends in `gc.freeze()`); without it, the
collector's full passes over everything Django loaded land in some timed requests (their p95)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time
from datetime import timedelta
from typing import Any


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.95 * len(xs)))]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--warm", type=int, default=3)
    p.add_argument("--by", default="unit")
    p.add_argument("--label", default="")
    p.add_argument(
        "--as-server",
        action="store_true",
        help="start as a server process does (nuanqi.wsgi: URLconf and segmenter loaded, gc.freeze())",
    )
    args = p.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
    import django

    if args.as_server:
        import nuanqi.wsgi  # noqa: F401 - the server's start: application, warm-up, gc.freeze()
    else:
        django.setup()
    from django.apps import apps
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from nuanqi.accounts.models import ApiToken, User
    from nuanqi.cases.models import Case, KpiRollup, KpiRollupMonth

    leader = User.objects.get(username="leader")
    token = ApiToken.issue(leader, name="bench")[1]
    today = timezone.localdate()
    start = today - timedelta(days=3 * 365 + 1)
    path = f"/api/v1/kpis?date_from={start.isoformat()}&date_to={today.isoformat()}&by={args.by}"
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    for _ in range(args.warm):
        r = client.get(path)
        assert r.status_code == 200, r.content[:300]
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(args.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        r = client.get(path)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200
    rows: dict[str, Any] = {
        "daily_rows": KpiRollup.objects.count(),
        "fresh_rows": KpiRollup.objects.filter(monthed=False).count(),
        "month_rows": KpiRollupMonth.objects.count(),
    }
    with contextlib.suppress(LookupError):  # the open cases by due day, where the code has them
        rows["open_due_rows"] = apps.get_model("cases", "KpiOpenDue").objects.count()
    print(
        json.dumps(
            {
                "label": args.label,
                "db": connection.vendor,
                "cases": Case.objects.count(),
                "by": args.by,
                "reps": args.reps,
                "as_server": args.as_server,
                "wall_p50_ms": round(statistics.median(wall), 1),
                "wall_p95_ms": round(_p95(wall), 1),
                "cpu_p50_ms": round(statistics.median(cpu), 1),
                "cpu_p95_ms": round(_p95(cpu), 1),
                **rows,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()

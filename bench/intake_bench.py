"""One intake in process: CPU time per `POST /api/v1/cases` as a commissioner, beside the insert reference.

    NUANQI_HOME=<a writable copy of a seeded home> NUANQI_BENCH=1 .venv/bin/python bench/intake_bench.py \
        [--warm 3] [--reps 40] [--profile 0] [--json]

Runs on a seeded bench world (`bench/harness.py` or `nuanqi bench seed`; PostgreSQL through
NUANQI_DATABASE_URL with a home of its own). It files cases and writes a bearer token, so give it a copy of
the world, never the seeded original.

The bench's `intake` workload in Django's test client, in this process: the bodies of
`bench/workloads.py` (`_intake_bodies`, over the companies `commissioner_001` serves), posted with
`commissioner_001`'s bearer token; `--warm` untimed requests, then `--reps` timed ones. Then the insert
reference (`POST /bench/insert/`, no auth; it exists with NUANQI_BENCH=1) the same way. Each figure is the
median and the 95th percentile, over the timed requests, of the process's CPU time for one request
(`time.process_time`, milliseconds: the database server's own CPU is not in it on PostgreSQL, the SQLite
library's is), the median wall time and the number of statements; `cpu_ratio` is the reference's median CPU
÷ the intake's, the ceiling of what the HTTP ratio of issue 13 can reach when CPU bounds both. `--profile N`
prints the top N functions of a cProfile over `--reps` more intakes (the figures come from the requests
without the profiler)."""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _measure(call: Any, warm: int, reps: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warm):
        call()
    cpu, wall, queries = [], [], []
    for _ in range(reps):
        with CaptureQueriesContext(connection) as ctx:
            c0, w0 = time.process_time(), time.perf_counter()
            call()
            c1, w1 = time.process_time(), time.perf_counter()
        cpu.append((c1 - c0) * 1000)
        wall.append((w1 - w0) * 1000)
        queries.append(len(ctx.captured_queries))
    return {
        "cpu_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(_p95(cpu), 2),
        "wall_ms": round(statistics.median(wall), 2),
        "queries": statistics.median(queries),
        "queries_max": max(queries),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--warm", type=int, default=3)
    p.add_argument("--reps", type=int, default=40)
    p.add_argument("--profile", type=int, default=0)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
    os.environ.setdefault("NUANQI_BENCH", "1")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from workloads import _intake_bodies

    import nuanqi
    from nuanqi.accounts.models import ApiToken, User
    from nuanqi.cases.models import Case
    from nuanqi.enterprise.access import served_company_ids

    settings.ALLOWED_HOSTS = ["*"]
    world = {
        "db": connection.vendor,
        "cases": Case.objects.count(),
        "code": str(Path(nuanqi.__file__).parent),
    }
    print(json.dumps(world, ensure_ascii=False) if args.json else world, flush=True)
    user = User.objects.get(username="commissioner_001")
    token = ApiToken.issue(user, name="intake_bench")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    bodies = _intake_bodies(list(served_company_ids(user)))
    ref = Client()
    n = [0]

    def intake() -> Any:
        body = bodies[n[0] % len(bodies)]
        n[0] += 1
        r = api.post("/api/v1/cases", body, content_type="application/json")
        assert r.status_code == 201, (r.status_code, r.content[:300])
        return r

    def insert() -> Any:
        r = ref.post("/bench/insert/")
        assert r.status_code == 201, r.status_code
        return r

    figs = {}
    for name, call in (("intake", intake), ("reference_insert", insert)):
        figs[name] = fig = {"workload": name, **_measure(call, args.warm, args.reps)}
        print(json.dumps(fig, ensure_ascii=False) if args.json else fig, flush=True)
    ratio = {"cpu_ratio": round(figs["reference_insert"]["cpu_ms"] / figs["intake"]["cpu_ms"], 3)}
    print(json.dumps(ratio) if args.json else ratio, flush=True)
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.reps):
            intake()
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(args.profile)
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()

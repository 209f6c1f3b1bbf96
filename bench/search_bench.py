"""`search.search(leader, word, limit=25)` in process over the 20 words of the bench: wall time, this
process's CPU time, and the time and number of SQL statements of each call (the visibility query and the list
columns included; no HTTP, no JSON).

    NUANQI_HOME=<home> [NUANQI_DATABASE_URL=postgres://…] python bench/search_bench.py [--reps 5] [--json]

One warm-up pass, then `--reps` passes over the words. Prints one line per word (medians over the passes, ms)
and the p50 / p95 of every call's wall time; `--json` prints the same as one JSON object (to compare two
checkouts run alternately with `PYTHONPATH`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--user", default="leader")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    import django

    django.setup()
    from django.db import connection
    from harness import SEARCH_TERMS

    from nuanqi.accounts.models import User
    from nuanqi.cases import search

    user = User.objects.get(username=args.user)
    sql: list[float] = []

    def timed(execute: Any, statement: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            sql.append((time.perf_counter() - t0) * 1000)

    samples: dict[str, dict[str, list[float]]] = {
        t: {"wall": [], "cpu": [], "sql": [], "n": []} for t in SEARCH_TERMS
    }
    rows: dict[str, int] = {}
    with connection.execute_wrapper(timed):
        for rep in range(args.reps + 1):
            for term in SEARCH_TERMS:
                sql.clear()
                c0, t0 = time.process_time(), time.perf_counter()
                found, _ = search.search(user, term, limit=25)
                wall, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
                rows[term] = len(found)
                if rep:  # the first pass warms the caches
                    s = samples[term]
                    s["wall"].append(wall)
                    s["cpu"].append(cpu)
                    s["sql"].append(sum(sql))
                    s["n"].append(len(sql))
    every = [w for s in samples.values() for w in s["wall"]]
    out = {
        "module": search.__file__,
        "vendor": connection.vendor,
        "reps": args.reps,
        "by_term": {
            t: {k: round(statistics.median(v), 1) for k, v in s.items()} | {"rows": rows[t]}
            for t, s in samples.items()
        },
        "wall_p50": round(_pct(every, 0.5), 1),
        "wall_p95": round(_pct(every, 0.95), 1),
        "cpu_p50": round(_pct([c for s in samples.values() for c in s["cpu"]], 0.5), 1),
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return
    print(f"{out['module']} ({out['vendor']}), {args.reps} passes; medians per word, ms")
    print(f"{'word':10s}{'wall':>8s}{'cpu':>8s}{'sql':>8s}{'stmts':>7s}{'rows':>6s}")
    for t, f in out["by_term"].items():
        print(f"{t:10s}{f['wall']:8.1f}{f['cpu']:8.1f}{f['sql']:8.1f}{f['n']:7.0f}{f['rows']:6d}")
    print(f"every call: wall p50 {out['wall_p50']} ms, p95 {out['wall_p95']} ms; cpu p50 {out['cpu_p50']} ms")


if __name__ == "__main__":
    main()

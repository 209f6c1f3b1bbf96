"""The search's candidate read on PostgreSQL, per term of the province bench: the newest matches of each of
the 20 words, read as `cases/search.py` reads them (`matching_ids(term, limit=want)`: id windows scanned in
order while they are narrow, bands of the GIN index once they are wide), against the reference measured in
the same run — one statement with the planner's choice of plan (`terms @@ q ORDER BY case_id DESC LIMIT
max(200, want)`). No visibility, no list columns.

    NUANQI_DATABASE_URL=postgres://… python bench/search_plan_bench.py [--schema S] [--reps 5] [--want 26]

`--schema` reads `S.cases_search` first (a scaled copy, e.g. a million rows made from a seeded 300,000:
`CREATE TABLE S.cases_search AS SELECT case_id + k * 300000 …` with the same primary key and GIN index,
analysed). Prints one line per term: matches, p50/max of each read in ms, and the windows the reader took
(`scan:n` is a window scanned in id order that found n, `band:n` one read from the index). Both reads must
return the same newest ids. Run it with `PYTHONPATH` on another checkout's `src` to time that checkout's
reader the same way (its windows are then not shown).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")

REFERENCE = (
    "SELECT case_id FROM cases_search WHERE terms @@ %s::tsquery AND case_id < %s "
    "ORDER BY case_id DESC LIMIT %s"
)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--schema", default="public")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--want", type=int, default=26, help="matches a page needs (limit + 1)")
    args = p.parse_args()
    import django

    django.setup()
    from django.db import connection
    from harness import SEARCH_TERMS

    from nuanqi.cases import search
    from nuanqi.lib import textseg

    assert connection.vendor == "postgresql", "set NUANQI_DATABASE_URL to a PostgreSQL database"
    times: dict[tuple[str, str], list[float]] = {}
    with connection.cursor() as cur:
        cur.execute(f'SET search_path = "{args.schema}", public')
        cur.execute("SELECT count(*) FROM cases_search")
        print(f"{args.schema}.cases_search: {cur.fetchone()[0]:,} rows; reader: {search.__file__}")
        queries = {t: textseg.tsquery_literal(search._phrases(t)) for t in SEARCH_TERMS}
        counts, plans = {}, {}
        for term, q in queries.items():
            cur.execute("SELECT count(*) FROM cases_search WHERE terms @@ %s::tsquery", [q])
            counts[term] = cur.fetchone()[0]
            cur.execute(REFERENCE, [q, 2**62, max(200, args.want)])
            ref = [r[0] for r in cur.fetchall()]
            assert search.matching_ids(term, limit=args.want) == ref[: args.want], term
            plans[term] = ""
            if hasattr(search, "_PG_BAND"):  # this checkout's reader (another one's windows are not shown)
                m = search._PgMatches(search._phrases(term))
                m.below(None, args.want)
                plans[term] = " ".join(f"{s[0]}:{s[-1]}" for s in m.steps)
        for _ in range(args.reps):  # interleaved, so both see the same load
            for term, q in queries.items():
                t0 = time.perf_counter()
                cur.execute(REFERENCE, [q, 2**62, max(200, args.want)])
                cur.fetchall()
                times.setdefault(("ref", term), []).append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                search.matching_ids(term, limit=args.want)
                times.setdefault(("new", term), []).append((time.perf_counter() - t0) * 1000)
    print(f"{'term':10s}{'matches':>9s}{'ref p50':>9s}{'ref max':>9s}{'new p50':>9s}{'new max':>9s}  windows")
    every: dict[str, list[float]] = {"ref": [], "new": []}
    for term in SEARCH_TERMS:
        r, n = times[("ref", term)], times[("new", term)]
        every["ref"] += r
        every["new"] += n
        print(
            f"{term:10s}{counts[term]:9d}{statistics.median(r):9.1f}{max(r):9.1f}"
            f"{statistics.median(n):9.1f}{max(n):9.1f}  {plans[term]}"
        )
    for name, xs in every.items():
        xs.sort()
        print(f"{name}: all terms p50 {xs[len(xs) // 2]:.1f}, p95 {xs[int(len(xs) * 0.95)]:.1f} ms")


if __name__ == "__main__":
    main()

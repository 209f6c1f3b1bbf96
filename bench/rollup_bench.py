"""Upsert-in-transaction against appended delta rows, for the KPI roll-up's writer on PostgreSQL.

`.venv/bin/python bench/rollup_bench.py --url postgres://… [--threads 8] [--seconds 10] [--hold-ms 5]`

Each of N threads runs intake-like transactions: the roll-up write, then `hold-ms` of further work inside the
same transaction (the rest of an intake: the event, the outbox rows, the chain head), then COMMIT. `upsert`
adds to one row per (unit, day) with `INSERT … ON CONFLICT DO UPDATE` — a row lock held until commit, so
intakes of one unit and day queue behind each other; `delta` appends a row and takes no lock another writer
waits on. `units` spreads the writes over that many keys (1 = the hottest case: every intake of the day on one
row, as the `kind` dimension is). Tables live in a scratch schema that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from typing import Any

import psycopg

SCHEMA = "rollup_bench"


def _setup(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
        conn.execute(
            f"CREATE TABLE {SCHEMA}.upsert (unit int, day date, received int, PRIMARY KEY (unit, day))"
        )
        conn.execute(
            f"CREATE TABLE {SCHEMA}.delta (id bigserial PRIMARY KEY, unit int, day date, received int)"
        )


def _run(url: str, mode: str, threads: int, seconds: float, hold_ms: float, units: int) -> dict[str, Any]:
    stop = time.monotonic() + seconds
    lat: list[float] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        mine: list[float] = []
        with psycopg.connect(url) as conn:
            i = n
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                with conn.transaction():
                    if mode == "upsert":
                        conn.execute(
                            f"INSERT INTO {SCHEMA}.upsert VALUES (%s, CURRENT_DATE, 1) "
                            "ON CONFLICT (unit, day) DO UPDATE SET received = upsert.received + 1",
                            [i % units],
                        )
                    else:
                        conn.execute(
                            f"INSERT INTO {SCHEMA}.delta (unit, day, received) VALUES (%s, CURRENT_DATE, 1)",
                            [i % units],
                        )
                    if hold_ms:
                        conn.execute("SELECT pg_sleep(%s)", [hold_ms / 1000])
                mine.append((time.perf_counter() - t0) * 1000)
                i += threads
        with lock:
            lat.extend(mine)

    ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    lat.sort()
    with psycopg.connect(url) as conn:
        table = "upsert" if mode == "upsert" else "delta"
        total = conn.execute(f"SELECT COALESCE(SUM(received), 0) FROM {SCHEMA}.{table}").fetchone()[0]  # type: ignore[index]
    return {
        "mode": mode,
        "units": units,
        "tx_per_s": round(len(lat) / seconds, 1),
        "p50_ms": round(lat[len(lat) // 2], 2) if lat else None,
        "p95_ms": round(lat[int(len(lat) * 0.95)], 2) if lat else None,
        "exact": total == len(lat),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--hold-ms", type=float, default=5)
    args = p.parse_args()
    url = args.url.replace("postgres://", "postgresql://", 1)
    try:
        for units in (1, 50):
            for mode in ("upsert", "delta"):
                _setup(url)
                print(
                    json.dumps(_run(url, mode, args.threads, args.seconds, args.hold_ms, units)), flush=True
                )
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


if __name__ == "__main__":
    main()

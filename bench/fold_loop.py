"""The worker's roll-up round on a schedule, for the harness's `dashboard_busy` (bench/workloads.py).

    NUANQI_HOME=<home> .venv/bin/python bench/fold_loop.py [--interval 10]

In production `nuanqi worker` runs one round every `--interval` seconds (10 by default) and each round folds
the writers' KPI delta rows (`cases.rollup.fold`, after `follow_calendar`). The harness starts no worker:
its SLA sweeps and deliveries would write cards and events into the seeded world (every overdue case of a
world that never had a sweep). This runs only the roll-up's part of the round, on the worker's schedule,
until SIGTERM, then prints one JSON line: rounds, daily rows counted into months, and the CPU and wall
milliseconds of the slowest round."""

from __future__ import annotations

import argparse
import json
import os
import signal
import time
from typing import Any


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--interval", type=float, default=10.0)
    args = p.parse_args(argv)
    # First: a stop asked while Django is still starting ends the loop with its report, not the process.
    stop = {"now": False}

    def _stop(signum: int, frame: Any) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
    import django

    django.setup()
    from nuanqi.cases import rollup

    rounds = folded = 0
    slowest_ms = slowest_cpu_ms = 0.0
    while not stop["now"]:
        t0, c0 = time.perf_counter(), time.process_time()
        rollup.follow_calendar()
        folded += rollup.fold()
        rounds += 1
        slowest_ms = max(slowest_ms, (time.perf_counter() - t0) * 1000)
        slowest_cpu_ms = max(slowest_cpu_ms, (time.process_time() - c0) * 1000)
        for _ in range(int(args.interval * 10)):
            if stop["now"]:
                break
            time.sleep(0.1)
    print(
        json.dumps(
            {
                "rounds": rounds,
                "folded_rows": folded,
                "slowest_round_ms": round(slowest_ms, 1),
                "slowest_round_cpu_ms": round(slowest_cpu_ms, 1),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()

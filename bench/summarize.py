"""Summarise bench/results/*.jsonl: one row per (db, workload, who), medians over the repetitions of a run.

python bench/summarize.py [bench/results/sqlite.jsonl …] [--run RUN_ID] [--cases N]
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
FIGS = ("rps", "p50_ms", "p95_ms", "p99_ms", "errors", "ratio", "recall", "per_s", "mb", "in_process_ms")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("files", nargs="*")
    p.add_argument("--run", action="append", help="run ids (default: the last run of each file)")
    p.add_argument("--cases", type=int)
    args = p.parse_args()
    files = [Path(f) for f in args.files] or sorted(RESULTS.glob("*.jsonl"))
    groups: dict[tuple[str, str, str, str], list[dict[str, object]]] = defaultdict(list)
    for f in files:
        rows = [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
        if args.cases:
            rows = [r for r in rows if r.get("cases") == args.cases]
        runs = args.run or ([rows[-1]["run_id"]] if rows else [])
        for r in rows:
            if r["run_id"] in runs:
                who = str(r.get("who") or r.get("op") or "")
                groups[(str(r["db"]), str(r["cases"]), str(r["workload"]), who)].append(r)
    print("| db | cases | workload | who/op | reps | " + " | ".join(FIGS) + " |")
    print("|" + "---|" * (5 + len(FIGS)))
    for (db, cases, workload, who), rows in groups.items():
        cells = []
        for fig in FIGS:
            values = [float(r[fig]) for r in rows if isinstance(r.get(fig), (int, float))]  # type: ignore[arg-type]
            cells.append(f"{statistics.median(values):,.4g}" if values else "")
        print(f"| {db} | {int(cases):,} | {workload} | {who} | {len(rows)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

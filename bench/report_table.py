"""The README's table: for each workload, the medians of the latest run that measured it (per database).

python bench/report_table.py [--cases 1000000]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROWS = [
    ("intake", "", "rps"),
    ("reference_insert", "", "rps"),
    ("reference_const", "", "rps"),
    ("worklist_api", "commissioner", "p95_ms"),
    ("worklist_api", "handler", "p95_ms"),
    ("worklist_html", "commissioner", "p95_ms"),
    ("worklist_html", "handler", "p95_ms"),
    ("dashboard_cold", "", "p50_ms"),
    ("dashboard_warm", "", "p50_ms"),
    ("search", "", "p95_ms"),
    ("calendar", "add_working_days", "per_s"),
    ("rss", "", "mb"),
]


def latest(db: str, cases: int) -> dict[tuple[str, str], list[dict[str, object]]]:
    rows = [json.loads(x) for x in (RESULTS / f"{db}.jsonl").read_text().splitlines() if x.strip()]
    rows = [r for r in rows if r.get("cases") == cases]
    out: dict[tuple[str, str], list[dict[str, object]]] = {}
    for r in rows:  # appended in time order: a later run replaces an earlier one, workload by workload
        key = (str(r["workload"]), str(r.get("who") or r.get("op") or ""))
        if key in out and out[key][0]["run_id"] != r["run_id"]:
            out[key] = []
        out.setdefault(key, []).append(r)
    return out


def cell(rs: list[dict[str, object]]) -> str:
    def med(f: str) -> float | None:
        v = [float(r[f]) for r in rs if isinstance(r.get(f), (int, float))]  # type: ignore[arg-type]
        return statistics.median(v) if v else None

    parts = []
    for f, fmt in (
        ("rps", "{:,.0f} req/s"),
        ("p50_ms", "p50 {:,.0f}"),
        ("p95_ms", "p95 {:,.0f} ms"),
        ("ratio", "× {:.3f}"),
        ("recall", "recall {:.2f}"),
        ("per_s", "{:,.0f}/s"),
        ("mb", "{:,.0f} MB"),
        ("errors", "err {:.0f}"),
    ):
        m = med(f)
        if m is not None:
            parts.append(fmt.format(m))
    return ", ".join(parts) + f" ({rs[0]['run_id']})"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--cases", type=int, default=1_000_000)
    args = p.parse_args()
    data = {db: latest(db, args.cases) for db in ("sqlite", "postgres")}
    print("| workload | SQLite | PostgreSQL |")
    print("| --- | --- | --- |")
    for workload, who, _fig in ROWS:
        cells = [cell(data[db][(workload, who)]) if (workload, who) in data[db] else "" for db in data]
        print(f"| {workload}{' ' + who if who else ''} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

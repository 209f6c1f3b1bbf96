"""Summarise bench/results/*.jsonl.

    python bench/summarize.py [bench/results/sqlite.jsonl …] [--run RUN_ID] [--cases N]
        one row per (db, cases, workload, who), medians over the repetitions of a run (default: the last run
        of each file)

    python bench/summarize.py --curve [--db sqlite,postgres] [--run RUN_ID …] [--svg bench/curve.svg]
        the cost curve: per database, one row per figure, one column per size (cases), each cell the median
        over the repetitions of the latest run (among --run, if given) that measured that figure at that
        size; the runs are named under the table. `--svg` also draws each figure against size (log x), one
        small chart per group of figures, both databases in each.

    python bench/summarize.py --peer bench/peer/helpdesk-<run>.jsonl [--peer-run ID] [--run RUN_ID …]
        ours ÷ the peer (django-helpdesk, `../shared/bench-peers/run.sh`) for intake, list and search, per
        database, at the peer's size (its `seeded_n`; our rows with the same `cases`).

Figures are read as the harness wrote them (bench/harness.py): `rps`, `p50_ms`, `p95_ms`, `ratio`, `recall`,
`mb`, `pss_max_mb`, `seed_s`, … The curve needs nothing beyond the standard library; the chart needs
matplotlib (the dev extra), rendered with its Agg backend and the fonts it ships, text kept as text.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
FIGS = ("rps", "p50_ms", "p95_ms", "p99_ms", "errors", "ratio", "recall", "per_s", "mb", "in_process_ms")
DB_LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}

Row = dict[str, Any]


def read_rows(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _who(r: Row) -> str:
    return str(r.get("who") or r.get("op") or "")


def median_of(rows: Iterable[Row], field: str) -> float | None:
    values = [float(r[field]) for r in rows if isinstance(r.get(field), (int, float))]
    return statistics.median(values) if values else None


# ---------------------------------------------------------------- the plain summary


def summary(files: Sequence[Path], runs: list[str] | None, cases: int | None) -> str:
    groups: dict[tuple[str, str, str, str], list[Row]] = defaultdict(list)
    for f in files:
        rows = read_rows(f)
        if cases:
            rows = [r for r in rows if r.get("cases") == cases]
        chosen = runs or ([rows[-1]["run_id"]] if rows else [])
        for r in rows:
            if r["run_id"] in chosen:
                groups[(str(r["db"]), str(r["cases"]), str(r["workload"]), _who(r))].append(r)
    out = ["| db | cases | workload | who/op | reps | " + " | ".join(FIGS) + " |"]
    out.append("|" + "---|" * (5 + len(FIGS)))
    for (db, n, workload, who), rows in groups.items():
        cells = []
        for fig in FIGS:
            m = median_of(rows, fig)
            cells.append(f"{m:,.4g}" if m is not None else "")
        out.append(f"| {db} | {int(n):,} | {workload} | {who} | {len(rows)} | " + " | ".join(cells) + " |")
    return "\n".join(out)


# ---------------------------------------------------------------- the cost curve


@dataclass(frozen=True)
class Figure:
    key: str  # short name, the series in the chart
    label: str  # the table's row
    workload: str
    who: str | None  # None: any (seed_s is on every row)
    field: str
    unit: str
    group: str  # the chart it is drawn in


def _p50_p95(key: str, label: str, workload: str, who: str, group: str) -> tuple[Figure, Figure]:
    """A latency's p50 and p95 rows; `{p}` in `label` names the percentile."""
    p50, p95 = (
        Figure(f"{key} {p}", label.format(p=p), workload, who, f"{p}_ms", "ms", group) for p in ("p50", "p95")
    )
    return p50, p95


CURVE: tuple[Figure, ...] = (
    Figure("intake", "intake ÷ insert reference", "intake", "", "ratio", "×", "Intake ÷ insert reference"),
    Figure("open311", "Open311 intake ÷ insert reference", "open311_intake", "", "ratio", "×",
           "Intake ÷ insert reference"),
    Figure("tips", "public tip intake ÷ insert reference", "tip_intake", "", "ratio", "×",
           "Intake ÷ insert reference"),
    Figure("intake rps", "intake", "intake", "", "rps", "req/s", "Throughput (req/s)"),
    Figure("insert rps", "insert reference", "reference_insert", "", "rps", "req/s", "Throughput (req/s)"),
    Figure("const rps", "constant reference", "reference_const", "", "rps", "req/s", "Throughput (req/s)"),
    Figure("const p95", "constant reference p95 (8 connections)", "reference_const", "", "p95_ms", "ms",
           "Work list p95 (ms)"),
    Figure("API commissioner", "work list API p95, commissioner", "worklist_api", "commissioner", "p95_ms",
           "ms", "Work list p95 (ms)"),
    Figure("API handler", "work list API p95, handler", "worklist_api", "handler", "p95_ms", "ms",
           "Work list p95 (ms)"),
    Figure("HTML commissioner", "work list HTML p95, commissioner", "worklist_html", "commissioner", "p95_ms",
           "ms", "Work list p95 (ms)"),
    Figure("HTML handler", "work list HTML p95, handler", "worklist_html", "handler", "p95_ms", "ms",
           "Work list p95 (ms)"),
    Figure("cold", "dashboard cold", "dashboard_cold", "", "p50_ms", "ms", "Dashboard (ms)"),
    *_p50_p95("warm", "dashboard warm {p}", "dashboard_warm", "", "Dashboard (ms)"),
    *_p50_p95("busy", "dashboard {p} while intake writes", "dashboard_busy", "", "Dashboard (ms)"),
    Figure("busy intake", "intake rate during that", "dashboard_busy", "", "intake_rps", "req/s",
           "Throughput (req/s)"),
    Figure("search p95", "search p95 (20 terms)", "search", "", "p95_ms", "ms", "Search p95 (ms)"),
    Figure("recall", "search recall (worst term)", "search", "", "recall", "", "Search recall"),
    *_p50_p95("projects", "programme page {p} (projects)", "programme", "projects", "Programme page (ms)"),
    *_p50_p95("enterprise", "暖企 programme page {p}", "programme", "enterprise",
              "Enterprise programme page (ms)"),
    *_p50_p95("rules", "routing suggestion {p} (rules)", "routing_suggest", "rules",
              "Routing suggestion (ms)"),
    *_p50_p95("model", "routing suggestion {p} (model)", "routing_suggest", "model",
              "Routing suggestion (ms)"),
    Figure("peak RSS", "worker peak RSS", "rss", "", "mb", "MB", "Worker memory (MB)"),
    Figure("PSS max", "worker PSS, largest", "rss", "", "pss_max_mb", "MB", "Worker memory (MB)"),
    Figure("PSS sum", "workers' PSS, together", "rss", "", "pss_sum_mb", "MB", "Worker memory (MB)"),
    Figure("USS max", "worker USS, largest", "rss", "", "uss_max_mb", "MB", "Worker memory (MB)"),
    Figure("seeding", "seeding", "", None, "seed_s", "s", "Seeding (s)"),
)  # fmt: skip


@dataclass
class Cell:
    value: float
    run_id: str
    reps: int
    errors: int = 0  # failed requests over the repetitions: a latency with errors is not a service time


def curve(rows: Sequence[Row], runs: list[str] | None = None) -> dict[Figure, dict[int, Cell]]:
    """For each figure and size: the median over the repetitions of the latest run (in file order; among
    `runs` if given) that measured it at that size. Figures never measured are left out."""
    if runs:
        rows = [r for r in rows if r.get("run_id") in runs]
    out: dict[Figure, dict[int, Cell]] = {}
    for fig in CURVE:
        by_size: dict[int, list[Row]] = {}
        for r in rows:  # appended in time order: a later run replaces an earlier one
            if fig.workload and r.get("workload") != fig.workload:
                continue
            if fig.who is not None and _who(r) != fig.who:
                continue
            if not isinstance(r.get(fig.field), (int, float)):
                continue
            n = int(r["cases"])
            if n in by_size and by_size[n][0]["run_id"] != r["run_id"]:
                by_size[n] = []
            by_size.setdefault(n, []).append(r)
        cells = {}
        for n, rs in by_size.items():
            if fig.who is None:  # one value per run (seed_s is repeated on every row)
                rs = rs[:1]
            m = median_of(rs, fig.field)
            if m is not None:
                errors = sum(int(r.get("errors") or 0) for r in rs) if fig.who is not None else 0
                cells[n] = Cell(m, str(rs[0]["run_id"]), len(rs), errors)
        if cells:
            out[fig] = cells
    return out


def _fmt(value: float, unit: str) -> str:
    if unit == "×" or unit == "":
        return f"{value:.3f}" if unit == "×" else f"{value:.2f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _size(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return f"{n:,}"


def curve_table(db: str, data: dict[Figure, dict[int, Cell]]) -> str:
    """Markdown: rows the figures, columns the sizes, then `last ÷ first` (how much the figure grew from the
    smallest to the largest size measured); a cell counts its failed requests (`err N`, summed over the
    repetitions) and names its run when that is not its column's main one."""
    sizes = sorted({n for cells in data.values() for n in cells})
    main_run = {
        n: Counter(c.run_id for cells in data.values() for m, c in cells.items() if m == n).most_common(1)[0][
            0
        ]
        for n in sizes
    }
    head = f"| {DB_LABELS.get(db, db)} | " + " | ".join(f"{n:,} cases" for n in sizes) + " | last ÷ first |"
    out = [head, "| --- |" + " ---: |" * (len(sizes) + 1)]
    for fig, cells in data.items():
        parts = []
        for n in sizes:
            c = cells.get(n)
            if c is None:
                parts.append("")
                continue
            text = _fmt(c.value, fig.unit)
            if c.errors:
                text += f" (err {c.errors})"
            if c.run_id != main_run[n]:
                text += f" ({c.run_id})"
            parts.append(text)
        known = [cells[n].value for n in sizes if n in cells]
        growth = f"{known[-1] / known[0]:.2f}" if len(known) > 1 and known[0] else ""
        unit = f" ({fig.unit})" if fig.unit and fig.unit != "×" else ""
        out.append(f"| {fig.label}{unit} | " + " | ".join(parts) + f" | {growth} |")
    out.append("| runs | " + " | ".join(f"`{main_run[n]}`" for n in sizes) + " | |")
    return "\n".join(out)


def curve_svg(per_db: dict[str, dict[Figure, dict[int, Cell]]], path: Path) -> None:
    """Small multiples: one chart per group of figures, size on a log x axis, SQLite solid and PostgreSQL
    dashed. SVG text stays text (no glyphs embedded, no fonts fetched); the file carries no date."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullLocator

    plt.rcParams.update(
        {"svg.fonttype": "none", "svg.hashsalt": "nuanqi-bench", "font.size": 8, "font.family": "sans-serif"}
    )
    groups: list[str] = []
    for fig in CURVE:
        if fig.group not in groups and any(fig in data for data in per_db.values()):
            groups.append(fig.group)
    if not groups:
        raise SystemExit("no figures to draw")
    cols = 3
    nrows = (len(groups) + cols - 1) // cols
    figure, axes = plt.subplots(nrows, cols, figsize=(cols * 3.6, nrows * 2.7), squeeze=False)
    styles = {"sqlite": "-", "postgres": "--"}
    sizes = sorted({n for data in per_db.values() for cells in data.values() for n in cells})
    for ax, group in zip(axes.flat, groups, strict=False):
        colours = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"])
        for fig in CURVE:
            if fig.group != group:
                continue
            colour = next(colours)
            for db, data in per_db.items():
                cells = data.get(fig)
                if not cells:
                    continue
                xs = sorted(cells)
                ax.plot(
                    xs,
                    [cells[x].value for x in xs],
                    linestyle=styles.get(db, ":"),
                    marker="o",
                    markersize=3,
                    color=colour,
                    label=f"{fig.key} · {DB_LABELS.get(db, db)}",
                )
        ax.set_title(group)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator(sizes))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticklabels([_size(n) for n in sizes])
        ax.set_ylim(bottom=0)
        ax.grid(True, linewidth=0.3)
        ax.legend(fontsize=6, frameon=False)
    for ax in list(axes.flat)[len(groups) :]:
        ax.set_visible(False)
    figure.supxlabel("cases in the seeded world (log scale); SQLite solid, PostgreSQL dashed")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(figure)


# ---------------------------------------------------------------- ours ÷ the peer

PEER_INTAKE, PEER_INSERT, PEER_LIST, PEER_SEARCH = "a_create_api", "d_insert_8c", "b_list_due", "c_search"


def peer_table(ours_by_db: dict[str, list[Row]], peer: list[Row], peer_run: str | None = None) -> str:
    """Markdown: for each database both sides measured, intake (req/s, and each side's ratio to its own
    insert reference), list p95 and search p95, ours ÷ peer. The peer: its latest run on each database (or
    `peer_run`); a measurement that completed no request is left out. Ours: the latest run at the peer's
    size."""
    measured = [r for r in peer if r.get("workload") not in ("seed", "querycount")]
    if peer_run:
        measured = [r for r in measured if r["run_id"] == peer_run]
    if not measured:
        raise SystemExit("no measurements in the peer's file")
    latest = {str(r.get("db")): str(r["run_id"]) for r in measured}  # file order: the last run per database
    measured = [r for r in measured if latest[str(r.get("db"))] == r["run_id"]]
    n = int(measured[0].get("seeded_n") or 0)
    runs = ", ".join(f"{DB_LABELS.get(db, db)} `{run}`" for db, run in latest.items())
    out = [
        f"Peer: {measured[0].get('product', 'peer')}, {n:,} tickets, runs {runs}. Ours: the latest run at "
        f"{n:,} cases. Throughput: ours ÷ peer > 1 is ours faster; latency: ours ÷ peer < 1 is ours faster.",
        "",
        "| db | measure | ours | peer | ours ÷ peer |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for db in ("sqlite", "postgres"):
        theirs = [r for r in measured if r.get("db") == db and (r.get("requests") or r.get("rps"))]
        mine = [r for r in ours_by_db.get(db, []) if r.get("cases") == n]
        if not theirs or not mine:
            continue
        data = curve(mine)

        def ours(key: str, data: dict[Figure, dict[int, Cell]] = data) -> Cell | None:
            fig = next(f for f in CURVE if f.key == key)
            return data.get(fig, {}).get(n)

        def peer_fig(workload: str, field: str, theirs: list[Row] = theirs) -> float | None:
            return median_of([r for r in theirs if r.get("workload") == workload], field)

        p_intake, p_insert = peer_fig(PEER_INTAKE, "rps"), peer_fig(PEER_INSERT, "rps")
        p_ratio = p_intake / p_insert if p_intake and p_insert else None
        lines: list[tuple[str, Cell | None, float | None, str]] = [
            ("intake req/s (ours `intake`, peer `a_create_api`)", ours("intake rps"), p_intake, "{:,.1f}"),
            ("intake ÷ own insert reference", ours("intake"), p_ratio, "{:.3f}"),
            ("list p95 ms: ours API commissioner, peer `b_list_due`", ours("API commissioner"),
             peer_fig(PEER_LIST, "p95_ms"), "{:,.0f}"),
            ("list p95 ms: ours API handler, peer `b_list_due`", ours("API handler"),
             peer_fig(PEER_LIST, "p95_ms"), "{:,.0f}"),
            ("search p95 ms: ours 20 terms, peer `c_search` (环评)", ours("search p95"),
             peer_fig(PEER_SEARCH, "p95_ms"), "{:,.0f}"),
        ]  # fmt: skip
        for label, mine_cell, theirs_value, fmt in lines:
            if mine_cell is None or not theirs_value:
                continue
            ratio = mine_cell.value / theirs_value
            out.append(
                f"| {DB_LABELS[db]} | {label} | {fmt.format(mine_cell.value)} (`{mine_cell.run_id}`) | "
                f"{fmt.format(theirs_value)} | **{ratio:.3g}** |"
            )
    return "\n".join(out)


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("files", nargs="*", type=Path)
    p.add_argument("--run", action="append", help="run ids (default: the last run of each file)")
    p.add_argument("--cases", type=int)
    p.add_argument("--curve", action="store_true", help="the cost curve: figures against size")
    p.add_argument("--db", default="sqlite,postgres", help="with --curve/--peer: the databases")
    p.add_argument("--svg", type=Path, help="with --curve: also draw the chart into this file")
    p.add_argument("--peer", type=Path, help="the peer's results (helpdesk.jsonl): ours ÷ peer")
    p.add_argument("--peer-run", help="the peer's run id (default: its last run)")
    args = p.parse_args(argv)
    if args.curve or args.peer:
        dbs = [d for d in args.db.split(",") if d]
        files = args.files or [f for db in dbs if (f := RESULTS / f"{db}.jsonl").exists()]
        rows: dict[str, list[Row]] = {}
        for f in files:
            for r in read_rows(f):
                if r.get("db") in dbs:
                    rows.setdefault(str(r["db"]), []).append(r)
        if args.peer:
            ours = {db: _runs(rs, args.run) for db, rs in rows.items()}
            print(peer_table(ours, read_rows(args.peer), args.peer_run))
            return
        per_db = {db: curve(rs, args.run) for db, rs in rows.items()}
        per_db = {db: data for db, data in per_db.items() if data}
        for db, data in per_db.items():
            print(curve_table(db, data))
            print()
        if args.svg:
            curve_svg(per_db, args.svg)
            print(f"chart: {args.svg}")
        return
    files = args.files or sorted(RESULTS.glob("*.jsonl"))
    print(summary(files, args.run, args.cases))


def _runs(rows: list[Row], runs: list[str] | None) -> list[Row]:
    return [r for r in rows if r.get("run_id") in runs] if runs else rows


if __name__ == "__main__":
    main()

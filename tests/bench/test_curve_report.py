"""The cost-curve report (`bench/summarize.py --curve`, `--peer`) and the harness's sizes, on a results file
written here: two databases, two sizes, two repetitions, an older run that a newer one replaces."""

from __future__ import annotations

import importlib.util
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


summarize = _load("summarize")
harness = _load("harness")


def _rows(db: str, cases: int, run: str, rep: int, scale: float, seed_s: float) -> list[dict[str, Any]]:
    """One repetition's lines as the harness writes them; latencies grow with `scale`."""
    base = {"db": db, "cases": cases, "run_id": run, "rep": rep, "seed_s": seed_s}
    return [
        base | {"workload": "reference_insert", "rps": 1000.0 + rep, "p95_ms": 8.0},
        base | {"workload": "intake", "rps": 100.0 + 10 * rep, "p95_ms": 90.0, "ratio": 0.1 + 0.01 * rep},
        base | {"workload": "open311_intake", "rps": 200.0, "ratio": 0.2},
        base | {"workload": "tip_intake", "rps": 5.0, "ratio": 0.005 * rep},
        base | {"workload": "worklist_api", "who": "commissioner", "p95_ms": 40.0 * scale + rep},
        base | {"workload": "worklist_api", "who": "handler", "p95_ms": 30.0},
        base | {"workload": "worklist_html", "who": "commissioner", "p95_ms": 60.0 * scale},
        base | {"workload": "dashboard_cold", "p50_ms": 300.0 * scale, "p95_ms": 300.0 * scale},
        base | {"workload": "search", "p95_ms": 100.0 * scale, "recall": 1.0},
        base | {"workload": "programme", "who": "projects", "p50_ms": 50.0, "p95_ms": 70.0},
        base
        | {"workload": "programme", "who": "enterprise", "p50_ms": 30600.0, "p95_ms": 30600.0, "errors": 1},
        base
        | {"workload": "routing_suggest", "who": "rules", "basis": "rules", "p50_ms": 20.0, "p95_ms": 30.0},
        base | {"workload": "rss", "mb": 150.0 + scale, "pss_max_mb": 55.0, "pss_sum_mb": 210.0},
    ]


@pytest.fixture
def results(tmp_path: Path) -> Path:
    rows: list[dict[str, Any]] = []
    # An older run at 2,000 cases on SQLite, replaced by the curve run below.
    rows += _rows("sqlite", 2000, "20260101T000000Z", 1, 50.0, 9.0)
    for db in ("sqlite", "postgres"):
        for cases, scale, seed_s in ((2000, 1.0, 10.0), (20000, 4.0, 100.0)):
            for rep in (1, 2):
                rows += _rows(db, cases, "20260102T000000Z", rep, scale, seed_s)
    path = tmp_path / "results.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _by_key(data: dict[Any, dict[int, Any]]) -> dict[str, dict[int, float]]:
    return {fig.key: {n: c.value for n, c in cells.items()} for fig, cells in data.items()}


def test_the_curve_takes_the_median_of_the_latest_run_at_each_size(results: Path) -> None:
    rows = [r for r in summarize.read_rows(results) if r["db"] == "sqlite"]
    data = _by_key(summarize.curve(rows))
    assert data["intake"] == {2000: pytest.approx(0.115), 20000: pytest.approx(0.115)}
    assert data["intake rps"] == {2000: 115.0, 20000: 115.0}
    # The older run's 50× latencies are gone: the later run at 2,000 replaced it.
    assert data["API commissioner"] == {2000: 41.5, 20000: 161.5}
    assert data["cold"] == {2000: 300.0, 20000: 1200.0}
    assert data["tips"] == {2000: pytest.approx(0.0075), 20000: pytest.approx(0.0075)}
    assert data["rules p95"] == {2000: 30.0, 20000: 30.0}
    assert data["seeding"] == {2000: 10.0, 20000: 100.0}
    assert "model p95" not in data  # never measured: no row


def test_the_curve_of_chosen_runs_only(results: Path) -> None:
    rows = [r for r in summarize.read_rows(results) if r["db"] == "sqlite"]
    data = _by_key(summarize.curve(rows, ["20260101T000000Z"]))
    assert data["API commissioner"] == {2000: 2001.0}
    assert set(data["seeding"]) == {2000}


def test_the_table_has_a_column_per_size_the_growth_and_the_runs(results: Path) -> None:
    rows = [r for r in summarize.read_rows(results) if r["db"] == "postgres"]
    table = summarize.curve_table("postgres", summarize.curve(rows))
    lines = table.splitlines()
    assert lines[0] == "| PostgreSQL | 2,000 cases | 20,000 cases | last ÷ first |"
    assert "| dashboard cold (ms) | 300 | 1,200 | 4.00 |" in lines
    assert "| search recall (worst term) | 1.00 | 1.00 | 1.00 |" in lines
    assert "| 暖企 programme page p95 (ms) | 30,600 (err 2) | 30,600 (err 2) | 1.00 |" in lines
    assert lines[-1] == "| runs | `20260102T000000Z` | `20260102T000000Z` | |"


def test_a_cell_from_another_run_names_it(results: Path) -> None:
    rows = [r for r in summarize.read_rows(results) if r["db"] == "sqlite"]
    extra = {"db": "sqlite", "cases": 20000, "run_id": "20260103T000000Z", "rep": 1, "seed_s": 100.0}
    rows.append(extra | {"workload": "search", "p95_ms": 77.0, "recall": 1.0})
    table = summarize.curve_table("sqlite", summarize.curve(rows))
    assert "| search p95 (20 terms) (ms) | 100 | 77.0 (20260103T000000Z) | 0.77 |" in table.splitlines()


def test_the_chart_is_an_svg_with_a_panel_per_group_and_no_fonts_fetched(
    results: Path, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    all_rows = summarize.read_rows(results)
    per_db = {db: summarize.curve([r for r in all_rows if r["db"] == db]) for db in ("sqlite", "postgres")}
    out = tmp_path / "curve.svg"
    summarize.curve_svg(per_db, out)
    text = out.read_text()
    root = ET.fromstring(text)
    assert root.tag.endswith("svg")
    for title in ("Intake ÷ insert reference", "Work list p95 (ms)", "Dashboard (ms)", "Seeding (s)"):
        assert title in text
    assert "@font-face" not in text and "<image" not in text
    # No date in the file: the same results draw the same chart.
    summarize.curve_svg(per_db, tmp_path / "again.svg")
    assert (tmp_path / "again.svg").read_text() == text


def test_the_command_prints_both_databases_and_writes_the_chart(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    svg = tmp_path / "c.svg"
    summarize.main(["--curve", str(results), "--run", "20260102T000000Z", "--svg", str(svg)])
    out = capsys.readouterr().out
    assert "| SQLite | 2,000 cases | 20,000 cases | last ÷ first |" in out
    assert "| PostgreSQL | 2,000 cases | 20,000 cases | last ÷ first |" in out
    assert svg.exists()


def test_ours_over_the_peer_for_intake_list_and_search(results: Path, tmp_path: Path) -> None:
    peer = [
        {"run_id": "P1", "workload": "seed", "db": "sqlite", "seeded_n": 20000},
        *[
            {
                "run_id": "P1",
                "db": db,
                "seeded_n": 20000,
                "rep": rep,
                "workload": w,
                "rps": rps,
                "p95_ms": p95,
            }
            for db in ("sqlite", "postgres")
            for rep in (1, 2)
            for w, rps, p95 in (
                ("a_create_api", 150.0, 60.0),
                ("d_insert_8c", 2500.0, 8.0),
                ("b_list_due", 3.0, 1000.0),
                ("c_search", 2.0, 2000.0),
            )
        ],
    ]
    rows = summarize.read_rows(results)
    ours = {db: [r for r in rows if r["db"] == db] for db in ("sqlite", "postgres")}
    table = summarize.peer_table(ours, peer).splitlines()
    sqlite = [line for line in table if line.startswith("| SQLite")]
    # Intake req/s, intake ÷ each side's insert reference, list p95 (commissioner, handler), search p95.
    expected = (115 / 150, 0.115 / (150 / 2500), 161.5 / 1000, 30 / 1000, 400 / 2000)
    assert [line.rsplit("**", 2)[1] for line in sqlite] == [f"{x:.3g}" for x in expected]
    assert any(line.startswith("| PostgreSQL") for line in table)


def test_sizes_are_read_smallest_first_with_k_and_m() -> None:
    assert harness.parse_sizes("1M, 100k,300000,100000") == [100_000, 300_000, 1_000_000]
    with pytest.raises(SystemExit):
        harness.parse_sizes("100k,lots")
    with pytest.raises(SystemExit):
        harness.parse_sizes("0")


def test_the_peer_is_read_per_database_and_an_empty_measurement_left_out(results: Path) -> None:
    def line(run: str, db: str, workload: str, requests: int, rps: float, p95: float) -> dict[str, Any]:
        return {"run_id": run, "db": db, "seeded_n": 2000, "rep": 1, "workload": workload} | {
            "requests": requests,
            "rps": rps,
            "p95_ms": p95,
        }

    peer = [
        line("P-sqlite", "sqlite", "a_create_api", 100, 50.0, 90.0),
        line("P-sqlite", "sqlite", "d_insert_8c", 1000, 500.0, 9.0),
        # A later run on PostgreSQL alone, whose list completed nothing in its short window.
        line("P-pg", "postgres", "a_create_api", 60, 30.0, 150.0),
        line("P-pg", "postgres", "d_insert_8c", 800, 400.0, 10.0),
        line("P-pg", "postgres", "b_list_due", 0, 0.0, 0.0),
    ]
    rows = summarize.read_rows(results)
    ours = {db: [r for r in rows if r["db"] == db] for db in ("sqlite", "postgres")}
    table = summarize.peer_table(ours, peer)
    assert "runs SQLite `P-sqlite`, PostgreSQL `P-pg`" in table
    lines = table.splitlines()
    assert any(x.startswith("| SQLite | intake req/s") and x.endswith("**2.3** |") for x in lines)  # 115 ÷ 50
    assert any(x.startswith("| PostgreSQL | intake req/s") for x in lines)
    assert not any("list p95" in x for x in lines)

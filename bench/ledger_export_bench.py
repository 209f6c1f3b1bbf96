"""Benchmark of the case ledger export (workload "ledger"): 100,000 cases to .xlsx.

Seeds N cases (bulk insert, with unit, owner and two-level category so the export's joins are real) into a
fresh SQLite database in a temporary home — or into the PostgreSQL database named by NUANQI_DATABASE_URL
(its cases numbered BM… are the benchmark's and are removed before and after) — then exports them in a
*fresh child process* with the code the page and `nuanqi export cases` use (`dashboard.ledger.export`),
so the child's peak RSS is the export's own.
The reference, measured in the same run, is a child that writes the same number of constant rows with
openpyxl's write-only `lib.excel.write_ledger` and no database: the ratio compares the whole export (queries
included) with the plain openpyxl writer it replaced for long ledgers.

    python bench/ledger_export_bench.py [--rows 100000] [--json]

Targets (issue 4): under 30 s and under 200 MB peak for 100,000 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _setup(home: str) -> None:
    os.environ["NUANQI_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
    import django

    django.setup()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def seed(rows: int) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from nuanqi.accounts.models import Unit, User
    from nuanqi.cases.models import Case, Category

    call_command("migrate", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        cleanup()
    units = [Unit.objects.get_or_create(name=f"基准单位{i:02d}")[0] for i in range(20)]
    owner, _ = User.objects.get_or_create(username="bench-owner", defaults={"display_name": "基准经办人"})
    top, _ = Category.objects.get_or_create(kind="request", name="政府审批", parent=None)
    leaf, _ = Category.objects.get_or_create(kind="request", name="合规证明", parent=top)
    start = timezone.now() - timedelta(days=400)
    batch = []
    for i in range(rows):
        received = start + timedelta(minutes=5 * i)
        batch.append(
            Case(
                number=f"BM{i:08d}",
                kind="request",
                title=f"基准事项 {i}：企业合规证明需多部门出具",
                category=leaf,
                subject_type="company",
                subject_id=i % 500,
                subject_label=f"舟山基准企业{i % 500:03d}有限公司",
                lead_unit=units[i % 20],
                owner=owner,
                status=("in_progress", "resolved", "rated", "dispatched")[i % 4],
                received_at=received,
                dispatched_at=received + timedelta(hours=1),
                signed_at=received + timedelta(hours=2),
                resolve_due=received + timedelta(days=7),
                warn_at=received + timedelta(days=6),
                resolved_at=received + timedelta(days=3) if i % 4 in (1, 2) else None,
                satisfaction="satisfied" if i % 4 == 2 else "",
                result="已办结" if i % 4 in (1, 2) else "",
            )
        )
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)


def cleanup() -> None:
    """Remove the benchmark's own cases (numbered BM…; they have no events or tasks) from the database."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("DELETE FROM cases_case WHERE number LIKE 'BM%%'")


def child_export(out: str) -> dict[str, float]:
    from nuanqi.cases.models import Case
    from nuanqi.dashboard import ledger

    base = _rss_mb()
    t0 = time.perf_counter()
    n = ledger.export(Case.objects.filter(number__startswith="BM"), out)
    seconds = time.perf_counter() - t0
    return {"rows": n, "seconds": seconds, "peak_rss_mb": _rss_mb(), "base_rss_mb": base}


def _openpyxl_ledger(out: str, columns: Any, rows: Any, title: str) -> int:
    """The reference: the same ledger through openpyxl's own write-only workbook (per-cell objects)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from nuanqi.lib.excel import excel_value

    formats = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "number": "#,##0.00", "int": "0"}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title)
    ws.freeze_panes = "A2"
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    header = []
    for col in columns:
        cell = WriteOnlyCell(ws, value=col.header)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    fmts = [formats.get(c.kind) for c in columns]
    count = 0
    for row in rows:
        out_row: list[Any] = []
        for value, fmt in zip(row, fmts, strict=False):
            value = excel_value(value)
            if fmt and isinstance(value, (date, datetime, int, float)):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = fmt
                out_row.append(cell)
            else:
                out_row.append(value)
        ws.append(out_row)
        count += 1
    wb.create_sheet(title="说明").append(["台账", title])
    wb.save(out)
    return count


def child_reference(out: str, rows: int) -> dict[str, float]:
    from nuanqi.dashboard.ledger import COLUMNS

    now = datetime(2023, 3, 27, 9, 0)
    row = (
        *("BM00000001", "企业诉求", "基准事项：企业合规证明需多部门出具", "政府审批", "合规证明", "求助"),
        *("企业求助", "舟山基准企业001有限公司", "P4", "基准单位01", "基准经办人", "办理中"),
        *(now, now, now, now, None, "正常", 0, 0, 0, 0, "", "", ""),
    )
    base = _rss_mb()
    t0 = time.perf_counter()
    n = _openpyxl_ledger(out, COLUMNS, (row for _ in range(rows)), title="事项台账")
    seconds = time.perf_counter() - t0
    return {"rows": n, "seconds": seconds, "peak_rss_mb": _rss_mb(), "base_rss_mb": base}


def _child(mode: str, home: str, out: str, rows: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", mode, "--home", home, "--out", out, "--rows", str(rows)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--json", action="store_true")
    p.add_argument("--child", choices=["export", "reference"])
    p.add_argument("--home")
    p.add_argument("--out")
    args = p.parse_args()
    if args.child:
        _setup(args.home)
        fn = child_export(args.out) if args.child == "export" else child_reference(args.out, args.rows)
        print(json.dumps(fn))
        return
    with tempfile.TemporaryDirectory(prefix="nuanqi-ledger-bench-") as home:
        _setup(home)
        t0 = time.perf_counter()
        seed(args.rows)
        seeded = time.perf_counter() - t0
        db = "postgresql" if os.environ.get("NUANQI_DATABASE_URL") else "sqlite"
        export = _child("export", home, str(Path(home) / "ledger.xlsx"), args.rows)
        size = (Path(home) / "ledger.xlsx").stat().st_size
        ref = _child("reference", home, str(Path(home) / "reference.xlsx"), args.rows)
        if db == "postgresql":
            cleanup()
    figures = {
        "workload": "ledger",
        "db": db,
        "rows": export["rows"],
        "seed_seconds": round(seeded, 1),
        "export_seconds": round(export["seconds"], 2),
        "export_peak_rss_mb": round(export["peak_rss_mb"], 1),
        "export_base_rss_mb": round(export["base_rss_mb"], 1),
        "file_mb": round(size / 1e6, 1),
        "reference_seconds": round(ref["seconds"], 2),
        "reference_peak_rss_mb": round(ref["peak_rss_mb"], 1),
        "time_ratio": round(export["seconds"] / ref["seconds"], 2),
        "meets_targets": export["seconds"] < 30 and export["peak_rss_mb"] < 200,
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    print(f"ledger export of {figures['rows']:,} cases ({db}): {figures['export_seconds']} s, peak RSS "
          f"{figures['export_peak_rss_mb']} MB (process at start {figures['export_base_rss_mb']} MB), "
          f"file {figures['file_mb']} MB")  # fmt: skip
    print(f"reference (same rows, no database): {figures['reference_seconds']} s, peak RSS "
          f"{figures['reference_peak_rss_mb']} MB → export takes ×{figures['time_ratio']}")  # fmt: skip
    print("targets (< 30 s, < 200 MB):", "met" if figures["meets_targets"] else "NOT met")


if __name__ == "__main__":
    main()

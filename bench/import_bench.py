"""Benchmark of the all-or-nothing Excel import (workload "import"): 10,000 company rows.

Builds a fresh SQLite database in a temporary directory with the district's towns, writes a real .xlsx from
the app's own template with --rows rows of which --bad are broken (bad 信用代码, unknown town, unknown
industry, unknown scale), imports it (must report every bad row and change nothing), fixes those rows and
imports again (must create every row). Reference measured in the same run: reading the same file with
openpyxl alone (read-only, values only) — the floor any importer pays.

    python bench/import_bench.py [--rows 10000] [--bad 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

TOWNS = ["白泉镇", "临城街道", "岑港街道", "千岛街道", "马岙街道", "干览镇", "金塘镇", "长白乡"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--bad", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nuanqi-import-bench-"))
    os.environ.pop("NUANQI_DATABASE_URL", None)
    os.environ["NUANQI_HOME"] = str(tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from openpyxl import load_workbook

    from nuanqi.accounts.models import Unit, UnitKind
    from nuanqi.enterprise.import_templates import write_template
    from nuanqi.enterprise.imports import run_import
    from nuanqi.enterprise.models import Company
    from nuanqi.lib.uscc import with_check_digit

    for name in TOWNS:
        Unit.objects.create(name=name, kind=UnitKind.TOWN)

    def row(i: int) -> list[object]:
        return [
            f"基准导入企业{i:05d}有限公司",
            with_check_digit(f"91330902MA{i:07d}"),
            ["C27", "制造业", "37", "批发业", "E47"][i % 5],
            ["大型", "中型", "小型", "微型"][i % 4],
            "是" if i % 3 == 0 else "否",
            TOWNS[i % len(TOWNS)],
            f"定海区{TOWNS[i % len(TOWNS)]}{i}号",
            "否",
            "联系人",
            f"139{i:08d}",
            "高新技术企业" if i % 7 == 0 else "",
        ]

    rows = [row(i) for i in range(args.rows)]
    step = max(1, args.rows // max(1, args.bad))
    broken = list(range(step // 2, args.rows, step))[: args.bad]
    for k, i in enumerate(broken):
        wrong_code = rows[i][1][:-1] + ("0" if rows[i][1][-1] != "0" else "1")  # type: ignore[index]
        col, value = [(1, wrong_code), (5, "火星镇"), (2, "Z99"), (3, "巨型")][k % 4]
        rows[i][col] = value

    def write(path: Path, data: list[list[object]]) -> None:
        write_template("companies", path)
        wb = load_workbook(path)
        ws = wb.active
        assert ws is not None
        for r in data:
            ws.append(r)
        wb.save(path)

    bad_file, good_file = tmp / "bad.xlsx", tmp / "good.xlsx"
    write(bad_file, rows)
    for i in broken:
        rows[i] = row(i)
    write(good_file, rows)

    t = time.perf_counter()
    wb = load_workbook(good_file, read_only=True, data_only=True)
    n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    read_s = time.perf_counter() - t

    t = time.perf_counter()
    bad = run_import("companies", bad_file)
    bad_s = time.perf_counter() - t
    unchanged = Company.objects.count() == 0
    reported = sorted(e.row for e in bad.errors) == sorted(i + 2 for i in broken)

    t = time.perf_counter()
    good = run_import("companies", good_file)
    good_s = time.perf_counter() - t
    figures = {
        "workload": "import",
        "rows": args.rows,
        "bad_rows": len(broken),
        "bad_file_seconds": round(bad_s, 2),
        "bad_rows_reported": len(bad.errors),
        "bad_file_changed_nothing": unchanged,
        "every_bad_row_named": reported,
        "fixed_file_seconds": round(good_s, 2),
        "fixed_file_created": good.created,
        "rows_per_second": round(args.rows / good_s),
        "openpyxl_read_only_seconds": round(read_s, 2),
        "x_openpyxl_read": round(good_s / read_s, 1),
        "target_seconds": 30,
        "read_rows": n,
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for k, v in figures.items():
            print(f"{k:28} {v}")
    ok = unchanged and reported and good.ok and good.created == args.rows
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""The import reader (python-calamine) against openpyxl on a 10,000-row, 11-column workbook.

Writes the app's company template with --rows rows (all 11 columns filled), then reads it --reps times each
way: openpyxl in read-only, values-only mode (the reader before python-calamine); python-calamine alone; and
`read_sheet`, the app's one reader (zip scan for formulas and zip bombs + calamine + header mapping). With
LibreOffice installed the same file is also converted to .xls and .ods and read through `read_sheet`; the
same rows as a GBK CSV always are. Reports the median of the repetitions.

    python bench/reader_bench.py [--rows 10000] [--reps 5] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

TOWNS = ["白泉镇", "临城街道", "岑港街道", "千岛街道", "马岙街道", "干览镇", "金塘镇", "长白乡"]


def _median(fn, reps: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nuanqi-reader-"))
    os.environ.setdefault("NUANQI_HOME", str(work / "home"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import python_calamine
    from openpyxl import load_workbook

    from nuanqi.enterprise.import_templates import SPECS, write_template
    from nuanqi.lib.excel_import import Limits, read_sheet
    from nuanqi.lib.uscc import with_check_digit

    fields = SPECS["companies"].fields
    rows = [
        [
            f"舟山市定海区测试{i:05d}号制造有限公司",
            with_check_digit(f"91330902MA{i:07d}"),
            "C27",
            "小型",
            "否",
            TOWNS[i % len(TOWNS)],
            f"定海区测试路{i}号",
            "是" if i % 7 == 0 else "否",
            "王某",
            f"139{i:08d}",
            "高新技术企业、专精特新",
        ]
        for i in range(args.rows)
    ]
    xlsx = work / "companies.xlsx"
    write_template("companies", xlsx)
    wb = load_workbook(xlsx)
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    wb.save(xlsx)
    assert len(fields) == 11

    def openpyxl_read() -> int:
        book = load_workbook(xlsx, read_only=True, data_only=True)
        n = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
        book.close()
        return n

    def calamine_read() -> int:
        return len(python_calamine.CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0).to_python())

    limits = Limits(max_bytes=50 << 20, max_unzipped=1 << 30)

    def reader(path: Path):  # type: ignore[no-untyped-def]
        def read() -> int:
            return len(list(read_sheet(path, fields, limits)))

        return read

    assert openpyxl_read() == calamine_read() == args.rows + 1 == reader(xlsx)() + 1
    results = {
        "rows": args.rows,
        "columns": len(fields),
        "xlsx_mb": round(xlsx.stat().st_size / 1048576, 2),
        "openpyxl_read_only_s": _median(openpyxl_read, args.reps),
        "calamine_s": _median(calamine_read, args.reps),
        "read_sheet_xlsx_s": _median(reader(xlsx), args.reps),
    }
    gbk = work / "companies.csv"
    with gbk.open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([fl.header for fl in fields])
        writer.writerows(rows)
    results["read_sheet_csv_gbk_s"] = _median(reader(gbk), args.reps)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        for fmt in ("xls", "ods"):
            subprocess.run(
                [soffice, "--headless", f"-env:UserInstallation=file://{work}/lo", "--convert-to", fmt,
                 "--outdir", str(work), str(xlsx)],
                check=True, capture_output=True, timeout=600,
            )  # fmt: skip
            path = work / f"companies.{fmt}"
            assert reader(path)() == args.rows
            results[f"read_sheet_{fmt}_s"] = _median(reader(path), args.reps)
    results["speedup"] = round(results["openpyxl_read_only_s"] / results["read_sheet_xlsx_s"], 1)
    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results))
        return
    for key, value in results.items():
        print(f"{key:24} {value:.3f}" if isinstance(value, float) else f"{key:24} {value}")


if __name__ == "__main__":
    main()

"""Writing import files the way people fill the templates: real .xlsx through openpyxl."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from nuanqi.enterprise.import_templates import write_template
from nuanqi.lib.uscc import with_check_digit


def fill_template(kind: str, path: Path, rows: Iterable[Sequence[Any]]) -> Path:
    """The app's own template with rows appended under its header."""
    write_template(kind, path)
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def plain_sheet(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def uscc(i: int) -> str:
    return with_check_digit(f"91330902MA{i:07d}")


def company_rows(n: int, town: str = "白泉镇") -> list[list[Any]]:
    return [
        [
            f"测试企业{i:05d}有限公司",
            uscc(i),
            "C27" if i % 2 else "制造业",
            "小型",
            "否",
            town,
            "",
            "否",
            "",
            "",
            "",
        ]
        for i in range(n)
    ]

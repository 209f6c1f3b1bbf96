"""Ledgers are real .xlsx files: written, then read back with openpyxl as Excel would see them."""

from __future__ import annotations

from datetime import date, datetime

from openpyxl import load_workbook

from nuanqi.lib.excel import Column, write_ledger
from nuanqi.worktime import TZ


def test_a_ledger_has_chinese_headers_a_frozen_header_row_dates_as_dates_and_a_notes_sheet(tmp_path):
    path = tmp_path / "台账.xlsx"
    rows = (
        [f"QY2023-{i:06d}", datetime(2023, 3, 27, 9, 0, tzinfo=TZ), date(2023, 5, 10), i] for i in range(3)
    )
    n = write_ledger(
        path,
        [
            Column("编号", 16),
            Column("受理时间", 18, "datetime"),
            Column("期限", 12, "date"),
            Column("序号", 6, "int"),
        ],
        rows,
        title="事项台账",
        notes=[("筛选", "状态=办理中")],
    )
    assert n == 3
    wb = load_workbook(path)
    ws = wb["事项台账"]
    assert [c.value for c in ws[1]] == ["编号", "受理时间", "期限", "序号"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 16
    assert ws["B2"].value == datetime(2023, 3, 27, 9, 0) and ws["B2"].is_date
    assert ws["C2"].is_date and ws.max_row == 4
    assert [r[1].value for r in wb["说明"].iter_rows() if r[0].value == "筛选"] == ["状态=办理中"]

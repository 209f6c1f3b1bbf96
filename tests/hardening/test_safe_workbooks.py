"""Workbooks we write are safe to open: formula-like text stays text, control characters cannot break the
file, a cell stays within Excel's limit and a ledger longer than a sheet continues on the next one."""

from __future__ import annotations

import io
from datetime import date, timedelta

from django.utils import timezone
from openpyxl import load_workbook

from nuanqi.cases.models import Case
from nuanqi.lib.excel import CELL_MAX, CUT_MARK, Column, cell_text, write_ledger
from tests.cases.helpers import file_case

FORMULA = '=HYPERLINK("http://example.invalid/","点我")'


def test_cell_text_marks_formula_starts_drops_control_characters_and_cuts_at_the_cell_limit() -> None:
    for text in (FORMULA, "+86 138 0000 0000", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert cell_text(text) == (text, True)
    assert cell_text("舟山华康") == ("舟山华康", False)
    assert cell_text("\x0b=1+1") == ("=1+1", True)  # pasted from Word: the control character goes
    assert cell_text("a\x00b\x1fc\ud800") == ("abc", False)
    long, quoted = cell_text("长" * 40_000)
    assert len(long) == CELL_MAX and long.endswith(CUT_MARK) and not quoted


def test_the_streaming_ledger_writes_formula_like_text_as_text_with_quote_prefix(tmp_path) -> None:
    path = tmp_path / "ledger.xlsx"
    write_ledger(
        path,
        [Column("标题"), Column("电话"), Column("结果")],
        [[FORMULA, "+8613800000000", "结" * 40_000], ["正\x0b常", "0580-1234567", "已办结"]],
    )
    ws = load_workbook(path)["台账"]
    assert ws["A2"].value == FORMULA and ws["A2"].data_type == "s" and ws["A2"].quotePrefix
    assert ws["B2"].value == "+8613800000000" and ws["B2"].quotePrefix
    assert len(ws["C2"].value) == CELL_MAX and ws["C2"].value.endswith(CUT_MARK)
    assert ws["A3"].value == "正常" and not ws["A3"].quotePrefix


def test_a_ledger_beyond_the_sheet_row_limit_continues_on_further_sheets_and_the_notes_count_them(
    tmp_path,
) -> None:
    path = tmp_path / "ledger.xlsx"
    n = write_ledger(
        path, [Column("序号", kind="int")], ([i] for i in range(7)), title="事项台账", sheet_rows=4
    )
    assert n == 7
    wb = load_workbook(path)
    assert wb.sheetnames == ["事项台账", "事项台账 (2)", "事项台账 (3)", "说明"]
    values = [[r[0] for r in wb[s].iter_rows(min_row=2, values_only=True)] for s in wb.sheetnames[:3]]
    assert values == [[0, 1, 2], [3, 4, 5], [6]]
    notes = dict(wb["说明"].iter_rows(min_row=2, values_only=True))
    assert notes["行数"] == 7
    assert notes["工作表“事项台账 (2)”"] == "3 行" and notes["工作表“事项台账 (3)”"] == "1 行"


def test_a_ledger_of_exactly_one_sheet_has_no_empty_second_sheet(tmp_path) -> None:
    path = tmp_path / "ledger.xlsx"
    write_ledger(path, [Column("序号", kind="int")], ([i] for i in range(3)), sheet_rows=4)
    assert load_workbook(path).sheetnames == ["台账", "说明"]


def test_the_case_ledger_follows_the_row_limit_setting(world, settings) -> None:
    settings.NUANQI_SHEET_ROWS = 2
    for title in ("甲", "乙", "丙"):
        file_case(world.commissioner, world.huakang, title=title)
    r = world.client(world.dispatcher).get("/ledger/cases.xlsx")
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content))
    assert wb.sheetnames == ["事项台账", "事项台账 (2)", "事项台账 (3)", "说明"]
    assert dict(wb["说明"].iter_rows(min_row=2, values_only=True))["行数"] == 3


def test_the_briefing_neutralises_a_formula_title_and_survives_a_control_character(world) -> None:
    case = file_case(world.commissioner, world.huakang, title=FORMULA + "\x0b")
    Case.objects.filter(pk=case.pk).update(resolve_due=timezone.now() - timedelta(days=3))
    client = world.client(world.leader)
    r = client.get(f"/briefing.xlsx?from=2020-01-01&to={date.today().isoformat()}")
    assert r.status_code == 200
    body = b"".join(r.streaming_content) if r.streaming else r.content
    ws = load_workbook(io.BytesIO(body))["超期事项"]
    title = ws["B2"]
    assert title.value == FORMULA and title.data_type == "s" and title.quotePrefix


def test_import_templates_write_headers_through_the_same_cell_function(tmp_path, db) -> None:
    from nuanqi.enterprise.import_templates import write_template

    write_template("indicators", tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert ws is not None and ws["A1"].value == "企业*" and ws["A1"].data_type == "s"

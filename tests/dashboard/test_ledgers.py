"""台账 and 简报 as files: the list page's .xlsx with its filters, the CLI's exports, the weekly briefing."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from nuanqi.cli import main
from tests.cases.helpers import act, dispatched_to, file_case


def _cases(world):
    a = dispatched_to(file_case(world.commissioner, world.huakang, title="土地指标协调"), world)
    b = file_case(world.commissioner, world.changhong, title="船坞环评咨询")
    act(a, "resolve", world.handler, result="已协调到位")
    return a, b


def test_the_list_page_exports_its_filtered_cases_as_a_ledger(world):
    a, _b = _cases(world)
    client = world.client(world.dispatcher)
    page = client.get("/cases/?status=resolved").content.decode()
    assert 'href="/ledger/cases.xlsx?status=resolved"' in page
    r = client.get("/ledger/cases.xlsx?status=resolved")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["事项台账"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:3] == ["编号", "类别", "标题"] and "办结期限" in header
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [a.number]
    received = rows[0][header.index("受理时间")]
    assert isinstance(received, datetime)  # a date cell, not text
    assert ws.column_dimensions["C"].width >= 30
    assert ws.auto_filter.ref == f"A1:{ws.cell(row=1, column=len(header)).column_letter}2"
    notes = dict(wb["说明"].iter_rows(values_only=True))
    assert notes["筛选：状态"] == "已办结"


def test_the_ledgers_explanation_sheet_names_every_filter_in_words(world):
    _cases(world)
    client = world.client(world.dispatcher)
    query = f"status=open&unit={world.zhujian.pk}&channel=company_request&sla=red&kind=request&overdue=1"
    r = client.get(f"/ledger/cases.xlsx?{query}")
    notes = dict(load_workbook(io.BytesIO(r.content))["说明"].iter_rows(values_only=True))
    assert notes["筛选：状态"] == "在办"
    assert notes["筛选：主办单位"] == "区住建局"
    assert notes["筛选：渠道"] == "企业求助"
    assert notes["筛选：时限"] == "红牌超期"
    assert notes["筛选：仅超期"] == "是"
    assert notes["筛选：类别"] not in ("request", "")


def test_a_ledger_holds_only_what_the_person_may_see(world):
    _cases(world)
    r = world.client(world.commissioner2).get("/ledger/cases.xlsx")
    ws = load_workbook(io.BytesIO(r.content))["事项台账"]
    titles = [row[2] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert titles == ["船坞环评咨询"]  # 长宏's commissioner does not see 华康's case
    assert world.client(world.outsider).get("/ledger/cases.xlsx").status_code == 200
    out = load_workbook(io.BytesIO(world.client(world.outsider).get("/ledger/cases.xlsx").content))
    assert out["事项台账"].max_row == 1


def test_the_cli_exports_cases_by_unit_and_status(world, tmp_path, capsys):
    a, _b = _cases(world)
    target = tmp_path / "ledger.xlsx"
    main(["export", "cases", "--unit", "区住建局", "--status", "已办结", "-o", str(target)])
    assert "已导出 1 件" in capsys.readouterr().out
    ws = load_workbook(target)["事项台账"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == [a.number]


def test_the_cli_refuses_an_unknown_unit_in_chinese(world, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["export", "cases", "--unit", "不存在的局", "-o", str(tmp_path / "x.xlsx")])
    assert exc.value.code == 2 and "不存在的局" in capsys.readouterr().err


def test_the_cli_prints_kpis_as_json(world, capsys):
    _cases(world)
    today = timezone.localdate()
    main(["kpis", "--from", str(today - timedelta(days=7)), "--to", str(today), "--by", "unit", "--json"])
    out = json.loads(capsys.readouterr().out)
    rows = {r["name"]: r for r in out["rows"]}
    assert rows["区住建局"]["resolved"] == 1 and rows["区住建局"]["rates"]["resolve_on_time"] == 1.0


def test_the_api_gives_the_same_kpis_over_the_callers_cases(world):
    _cases(world)
    today = timezone.localdate().isoformat()
    data = world.client(world.commissioner2).get(f"/api/v1/kpis?date_from=2020-01-01&date_to={today}").json()
    assert data["rows"][0]["received"] == 1  # only 长宏's case
    bad = world.client(world.leader).get(f"/api/v1/kpis?date_from=2020-01-01&date_to={today}&by=colour")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_dimension"


def test_the_briefing_xlsx_has_its_four_sheets(world, tmp_path, capsys):
    _cases(world)
    today = timezone.localdate()
    target = tmp_path / "briefing.xlsx"
    main(["briefing", "--from", str(today - timedelta(days=6)), "--to", str(today), "-o", str(target)])
    assert "工作简报" in capsys.readouterr().out
    wb = load_workbook(target)
    assert wb.sheetnames == ["概要", "分单位指标", "超期事项", "红黑榜"]
    summary = dict(wb["概要"].iter_rows(values_only=True))
    assert "本期受理 2 件" in summary["要点 1"]
    units = list(wb["分单位指标"].iter_rows(values_only=True))
    assert units[1][0] == "合计" and units[1][1] == 2


def test_the_briefing_page_and_its_xlsx_for_a_period(world):
    _cases(world)
    client = world.client(world.leader)
    d = date.today().isoformat()
    page = client.get(f"/briefing/?from=2020-01-01&to={d}").content.decode()
    assert "统计期间：2020年1月1日" in page and "@page" in page and "size: A4" in page
    r = client.get(f"/briefing.xlsx?from=2020-01-01&to={d}")
    assert load_workbook(io.BytesIO(r.content)).sheetnames[0] == "概要"
    assert client.get("/briefing/?from=2023-02-30").status_code == 422


def test_the_ledger_opens_in_libreoffice(world, tmp_path):
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip(
            "未安装 LibreOffice（soffice），跳过用 LibreOffice 打开台账的检查 / LibreOffice not installed"
        )
    a, _b = _cases(world)
    target = tmp_path / "ledger.xlsx"
    target.write_bytes(world.client(world.dispatcher).get("/ledger/cases.xlsx").content)
    profile = f"-env:UserInstallation=file://{tmp_path}/lo-profile"
    utf8_csv = "csv:Text - txt - csv (StarCalc):44,34,76"
    subprocess.run(
        [soffice, "--headless", profile, "--convert-to", utf8_csv, "--outdir", str(tmp_path), str(target)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    lines = (tmp_path / "ledger.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("编号,类别,标题")
    assert any(line.startswith(a.number) for line in lines[1:])

"""The historical case ledger: every bad row reported, nothing half-imported, the audit still passes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from nuanqi.cases.models import Case, Event, Status, Task
from nuanqi.cases.timeline import verify
from nuanqi.enterprise.case_import import FIELDS, run_import
from nuanqi.lib.importkinds import get_import, import_kinds

HEADERS = [f.header for f in FIELDS]


def ledger(path: Path, rows: list[dict[str, Any]]) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("历史事项")
    ws.append(HEADERS)
    keys = [f.key for f in FIELDS]
    for r in rows:
        ws.append([r.get(k) for k in keys])
    wb.save(path)
    return path


def good_row(i: int, world) -> dict[str, Any]:
    received = datetime(2022, 1, 3, 9, 30) + timedelta(hours=2 * i)
    status = ("已评价", "已办结", "不予受理", "办理中")[i % 4]
    row: dict[str, Any] = {
        "number": f"TZ-{i:06d}",
        "received": received,
        "company": world.huakang.name if i % 2 else world.changhong.uscc,
        "title": f"第{i}号：厂房消防验收材料退回，请帮忙协调",
        "description": "企业反映材料被退回两次，希望明确需补的资料。",
        "category": "政府审批",
        "subcategory": "合规证明",
        "nature": "求助",
        "status": status,
    }
    if status in ("已评价", "已办结"):
        row |= {
            "lead_unit": "区住建局",
            "cohandling": "区经信局、白泉镇" if i % 2 == 0 else None,
            "resolved": received + timedelta(days=4),
            "result": "已协调窗口一次性告知补正材料，企业已取得证明。",
        }
    if status == "已评价":
        row["satisfaction"] = "满意"
    if status == "办理中":
        row["lead_unit"] = "区经信局"
    return row


def test_it_registers_every_ledger_on_the_one_registry(db):
    keys = {k.key for k in import_kinds()}
    assert {"companies", "commissioners", "assignments", "policies", "indicators", "cases"} <= keys
    assert {"points", "projects"} <= keys
    assert get_import("cases").label == "历史事项"


def test_ten_thousand_rows_with_twenty_bad_ones_are_all_reported_and_nothing_written_then_fixed_imports(
    world, tmp_path
):
    rows = [good_row(i, world) for i in range(10_000)]
    bad_at = list(range(37, 10_000, 499))[:20]
    breakers = [
        ("company", "不存在的公司"),
        ("subcategory", "没有这个小项"),
        ("status", "差不多办完了"),
        ("received", "去年春天"),
    ]
    expected = {}
    for n, i in enumerate(bad_at):
        key, value = breakers[n % len(breakers)]
        rows[i] = {**rows[i], key: value}
        expected[i + 2] = dict((f.key, f.header) for f in FIELDS)[key]
    report = run_import(ledger(tmp_path / "bad.xlsx", rows), actor=world.dispatcher)
    assert not report.ok
    assert {e.row: e.column for e in report.errors} == expected
    assert len(report.errors) == 20
    assert all(e.reason for e in report.errors)
    assert Case.objects.count() == 0 and Event.objects.count() == 0

    fixed = [good_row(i, world) for i in range(10_000)]
    report = run_import(ledger(tmp_path / "good.xlsx", fixed), actor=world.dispatcher)
    assert report.ok, report.errors[:5]
    assert report.created == Case.objects.filter(imported=True).count() == 10_000
    assert Event.objects.filter(action="imported").count() == 10_000
    assert list(verify()) == []

    kept = Case.objects.get(number="TZ-000008")
    assert kept.status == Status.RATED and kept.satisfaction == "satisfied"
    assert kept.lead_unit == world.zhujian and kept.resolved_at is not None
    assert kept.resolve_due > kept.received_at
    event = kept.events.get()
    assert event.changes["satisfaction"] == "satisfied"
    assert event.changes["lead_unit_id"] == world.zhujian.pk
    assert sorted(event.changes["cohandling"]) == ["区经信局", "白泉镇"]
    assert Task.objects.filter(case=kept).count() == 2
    assert Case.objects.get(number="TZ-000003").status == Status.IN_PROGRESS
    assert Case.objects.get(number="TZ-000002").status == Status.REJECTED


def test_a_number_already_taken_or_of_the_engines_form_is_allocated_anew(world, tmp_path):
    first = good_row(1, world) | {"number": "QY2022-000001"}
    second = good_row(5, world) | {"number": "TZ-9"}
    assert run_import(ledger(tmp_path / "a.xlsx", [first, second]), actor=world.dispatcher).ok
    again = good_row(9, world) | {"number": "TZ-9"}
    assert run_import(ledger(tmp_path / "b.xlsx", [again]), actor=world.dispatcher).ok
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert "TZ-9" in numbers and len(numbers) == 3
    assert sum(n.startswith("QY2022-") for n in numbers) == 2
    assert list(verify()) == []


def test_rows_contradicting_their_status_are_reported_in_chinese(world, tmp_path):
    row = good_row(1, world) | {"result": None, "satisfaction": "满意"}
    row2 = good_row(3, world) | {"resolved": datetime(2022, 2, 1), "satisfaction": "满意"}
    report = run_import(ledger(tmp_path / "c.xlsx", [row, row2]), actor=world.dispatcher)
    reasons = {(e.row, e.column): e.reason for e in report.errors}
    assert reasons[(2, "办理结果")] == "“已办结”的事项必填"
    assert reasons[(3, "办结时间")] == "办理中的事项不应填写办结时间"
    assert reasons[(3, "满意度")] == "只有“已评价”的事项填写满意度"
    assert Case.objects.count() == 0


def test_only_the_office_may_import(world, tmp_path):
    from nuanqi.cases.errors import Forbidden

    with pytest.raises(Forbidden):
        run_import(ledger(tmp_path / "d.xlsx", [good_row(1, world)]), actor=world.commissioner)


def test_the_command_line_writes_the_template_and_imports_the_ledger(world, tmp_path, capsys):
    from openpyxl import load_workbook

    from nuanqi.cli import main

    template = tmp_path / "t.xlsx"
    main(["import", "template", "cases", "-o", str(template)])
    headers = [c.value for c in load_workbook(template).active[1]]
    assert headers[:4] == ["原编号", "受理时间*", "企业*", "标题*"]
    bad = ledger(tmp_path / "bad.xlsx", [good_row(1, world) | {"status": "大概办完了"}])
    with pytest.raises(SystemExit) as exit_:
        main(["import", "cases", str(bad)])
    assert exit_.value.code == 1
    assert "第 2 行，“导入状态”列" in capsys.readouterr().out
    main(["import", "cases", str(ledger(tmp_path / "good.xlsx", [good_row(1, world)]))])
    assert "新增 1 条" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["import", "nothing", str(template)])
    assert "cases（历史事项）" in capsys.readouterr().err
    main(["audit", "verify"])
    assert "审计通过" in capsys.readouterr().out

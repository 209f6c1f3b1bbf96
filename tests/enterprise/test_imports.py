"""Excel imports: templates the app offers, every row validated, all rows applied or none, and a report
that names the row, the column and the reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from nuanqi.enterprise.import_templates import write_template
from nuanqi.enterprise.imports import run_import
from nuanqi.enterprise.models import Assignment, Commissioner, Company, Indicator, Policy
from nuanqi.lib.cells import CellError, normalize_text, parse_date
from nuanqi.lib.excel_import import TemplateError

from .helpers import company_rows, fill_template, plain_sheet, uscc

pytestmark = pytest.mark.django_db


def test_the_company_template_is_a_data_sheet_of_chinese_headers_and_its_instructions(db, tmp_path):
    path = tmp_path / "t.xlsx"
    write_template("companies", path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["企业", "填写说明", "选项"] and wb.active is wb.worksheets[0]
    headers = [c.value.rstrip("*") for c in wb.active[1]]
    for h in ("企业名称", "统一社会信用代码", "行业", "规模", "所属镇街"):
        assert h in headers
    assert wb.active.max_row == 1


def test_ten_thousand_rows_with_twenty_bad_change_nothing_and_all_twenty_are_reported(world, tmp_path):
    rows = company_rows(10_000)
    bad = {}
    for k, i in enumerate(range(250, 10_000, 500)):  # 20 rows, each broken in one column
        problem = ["uscc", "town", "industry", "scale"][k % 4]
        if problem == "uscc":
            rows[i][1] = rows[i][1][:-1] + ("0" if rows[i][1][-1] != "0" else "1")
        elif problem == "town":
            rows[i][5] = "火星镇"
        elif problem == "industry":
            rows[i][2] = "Z99"
        else:
            rows[i][3] = "巨型"
        bad[i + 2] = {"uscc": "统一社会信用代码", "town": "所属镇街", "industry": "行业", "scale": "规模"}[
            problem
        ]
    path = fill_template("companies", tmp_path / "companies.xlsx", rows)
    before = Company.objects.count()
    report = run_import("companies", path, actor=world.dispatcher)
    assert not report.ok
    assert {(e.row, e.column) for e in report.errors} == set(bad.items())
    assert len(report.errors) == 20
    assert all(e.reason for e in report.errors)
    assert Company.objects.count() == before
    # Fixed, the same file imports completely.
    for i in range(250, 10_000, 500):
        rows[i] = company_rows(i + 1)[i]
    path = fill_template("companies", tmp_path / "fixed.xlsx", rows)
    report = run_import("companies", path, actor=world.dispatcher)
    assert report.ok, report.errors[:3]
    assert report.created == 10_000
    assert Company.objects.count() == before + 10_000
    c = Company.objects.get(uscc=uscc(1))
    assert (c.industry, c.industry_name, c.scale, c.town) == ("C27", "医药制造业", "small", world.town)
    assert Company.objects.get(uscc=uscc(2)).industry == "C"


def test_full_width_digits_and_a_section_name_are_normalised(world, tmp_path):
    code = uscc(7)
    wide = code.translate(
        str.maketrans(
            "0123456789ABCDEFGHJKLMNPQRTUWXY",
            "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ",
        )
    )
    path = fill_template(
        "companies",
        tmp_path / "c.xlsx",
        [["全角企业", wide, "Ｃ２７", "中型", "是", "白泉镇", "", "是", "", "", "高新技术企业、专精特新"]],
    )
    report = run_import("companies", path, actor=world.admin)
    assert report.ok, report.errors
    c = Company.objects.get(name="全角企业")
    assert c.uscc == code and c.industry == "C27" and c.above_scale and c.key_company
    assert c.tags == ["高新技术企业", "专精特新"]


def test_a_reimport_updates_by_credit_code(world, tmp_path):
    path = fill_template("companies", tmp_path / "a.xlsx", [["甲公司", uscc(1), "E", "大", "", "白泉镇"]])
    assert run_import("companies", path, actor=world.admin).created == 1
    path = fill_template("companies", tmp_path / "b.xlsx", [["甲公司", uscc(1), "E47", "中型", "", "白泉镇"]])
    report = run_import("companies", path, actor=world.admin)
    assert (report.created, report.updated) == (0, 1)
    assert Company.objects.get(uscc=uscc(1)).industry == "E47"


def test_duplicates_inside_the_file_and_names_taken_by_other_codes_are_refused(world, tmp_path):
    rows = [
        ["甲公司", uscc(1), "E", "大型", "", "白泉镇"],
        ["乙公司", uscc(1), "E", "大型", "", "白泉镇"],
        [world.huakang.name, uscc(3), "C27", "中型", "", "白泉镇"],
    ]
    report = run_import("companies", fill_template("companies", tmp_path / "d.xlsx", rows), actor=world.admin)
    assert {(e.row, e.column) for e in report.errors} == {(3, "统一社会信用代码"), (4, "企业名称")}
    assert "第 2 行" in report.errors[0].reason


def test_a_file_without_the_required_columns_is_refused_before_any_row(world, tmp_path):
    path = plain_sheet(tmp_path / "x.xlsx", ["名称", "代码"], [["甲", "1"]])
    with pytest.raises(TemplateError, match="缺少必填列"):
        run_import("companies", path, actor=world.admin)


def test_only_the_office_imports(world, tmp_path):
    from nuanqi.cases.errors import Forbidden

    path = fill_template("companies", tmp_path / "a.xlsx", company_rows(1))
    with pytest.raises(Forbidden):
        run_import("companies", path, actor=world.commissioner)
    assert not Company.objects.filter(name__startswith="测试企业").exists()


def test_chinese_dates_are_parsed_and_impossible_ones_refused():
    assert parse_date("2023年3月27日") == date(2023, 3, 27)
    assert parse_date("２０２３年３月２７日") == date(2023, 3, 27)
    assert parse_date("2023/3/27") == parse_date("2023.03.27") == parse_date("20230327") == date(2023, 3, 27)
    with pytest.raises(CellError, match="不存在"):
        parse_date("2023年2月30日")
    with pytest.raises(CellError, match="无法识别"):
        parse_date("去年三月")
    assert normalize_text("９１３３０９０２") == "91330902"


def test_commissioners_and_assignments_import_with_handover(world, tmp_path):
    rows = [
        ["shen", "沈丽华", "原区市场监管局四级主任科员", "第三批", "2023年1月29日", "否", "", "13900000000"],
        ["zhao", "赵建民", "原区水利局局长", "1", "2022-05-16", "是", "2022年5月16日", ""],
        ["bad", "某人", "原某局", "第X批", "2023年2月30日", "也许", "", ""],
    ]
    report = run_import(
        "commissioners", fill_template("commissioners", tmp_path / "c.xlsx", rows), actor=world.admin
    )
    assert {(e.row, e.column) for e in report.errors} == {(4, "批次"), (4, "派驻日期"), (4, "已签保密条约")}
    assert not Commissioner.objects.filter(user__username__in=["shen", "zhao"]).exists()
    report = run_import(
        "commissioners", fill_template("commissioners", tmp_path / "c2.xlsx", rows[:2]), actor=world.admin
    )
    assert report.ok and report.created == 2
    zhao = Commissioner.objects.get(user__username="zhao")
    assert zhao.batch.number == 1 and zhao.confidentiality_signed and zhao.batch.name == "第一批"
    assert not Commissioner.objects.get(user__username="shen").confidentiality_signed

    rows = [[world.huakang.uscc, "zhao", "2023年3月1日", "交接"], ["不存在的公司", "zhao", "2023-03-01", ""]]
    report = run_import(
        "assignments", fill_template("assignments", tmp_path / "a.xlsx", rows), actor=world.admin
    )
    assert [(e.row, e.column) for e in report.errors] == [(3, "企业")]
    report = run_import(
        "assignments", fill_template("assignments", tmp_path / "a2.xlsx", rows[:1]), actor=world.admin
    )
    assert report.ok
    current = Assignment.objects.get(company=world.huakang, ended_on__isnull=True)
    assert current.commissioner == zhao
    assert Assignment.objects.get(
        company=world.huakang, commissioner__user=world.commissioner
    ).ended_on == date(2023, 3, 1)


def test_policies_import_with_structured_eligibility(world, tmp_path):
    rows = [
        ["规上工业技改补助", "区", "区经信局", "定经信〔2023〕12号", "2023年1月1日", "2025-12-31", "",
         "按投资额8%", "300", "否", "C、医药制造业", "大型、中型", "是", "白泉镇", "高新技术企业",
         "产值>=2000；用工人数≥50"],
        ["坏政策", "乡", "", "", "", "", "", "", "", "", "Z", "", "", "火星镇", "", "利润>1"],
    ]  # fmt: skip
    report = run_import("policies", fill_template("policies", tmp_path / "p.xlsx", rows), actor=world.admin)
    assert {(e.row, e.column) for e in report.errors} == {
        (3, "层级"),
        (3, "适用行业"),
        (3, "适用镇街"),
        (3, "指标门槛"),
    }
    assert Policy.objects.count() == 0
    report = run_import(
        "policies", fill_template("policies", tmp_path / "p2.xlsx", rows[:1]), actor=world.admin
    )
    assert report.ok
    p = Policy.objects.get()
    assert p.industries == ["C", "C27"] and p.scales == ["large", "medium"] and p.towns == ["白泉镇"]
    assert p.thresholds == [
        {"metric": "output", "op": ">=", "value": 2000.0},
        {"metric": "employees", "op": ">=", "value": 50.0},
    ]
    assert p.max_amount == Decimal("300") and p.valid_from == date(2023, 1, 1)


def test_indicators_import_by_period_in_the_ways_people_write_it(world, tmp_path):
    rows = [
        [world.huakang.name, "产值", "年度", "2022", "9800"],
        [world.huakang.uscc, "用工人数", "季度", "2023年第1季度", "１８０"],
        [world.huakang.name, "营收", "月度", "2023年3月", "1,234.5"],
        [world.huakang.name, "利润", "年度", "2022", "1"],
        [world.huakang.name, "产值", "年度", "2022年", "-5"],
    ]
    report = run_import(
        "indicators", fill_template("indicators", tmp_path / "i.xlsx", rows), actor=world.admin
    )
    assert {(e.row, e.column) for e in report.errors} == {(5, "指标"), (6, "数值")}
    assert Indicator.objects.count() == 0
    report = run_import(
        "indicators", fill_template("indicators", tmp_path / "i2.xlsx", rows[:3]), actor=world.admin
    )
    assert report.ok and report.created == 3
    q = Indicator.objects.get(metric="employees")
    assert (q.period_start, q.period_end, q.value) == (date(2023, 1, 1), date(2023, 3, 31), 180)
    assert Indicator.objects.get(metric="revenue").value == Decimal("1234.5")


def test_the_office_downloads_a_template_and_uploads_it_through_the_page(world, tmp_path):
    client = world.client(world.dispatcher)
    r = client.get("/imports/companies.xlsx")
    assert r.status_code == 200
    template = tmp_path / "t.xlsx"
    template.write_bytes(b"".join(r.streaming_content))
    assert load_workbook(template).sheetnames == ["企业", "填写说明", "选项"]
    rows = [["甲公司", uscc(1), "E", "大型", "", "白泉镇"], ["乙公司", uscc(2), "E", "巨型", "", "白泉镇"]]
    bad = fill_template("companies", tmp_path / "bad.xlsx", rows)
    with bad.open("rb") as f:
        r = client.post("/imports/", {"kind": "companies", "file": f})
    body = r.content.decode()
    assert "未导入任何数据" in body and "<td>3</td><td>规模</td>" in body
    assert not Company.objects.filter(name="甲公司").exists()
    good = fill_template("companies", tmp_path / "good.xlsx", rows[:1])
    with good.open("rb") as f:
        r = client.post("/imports/", {"kind": "companies", "file": f})
    assert "导入成功" in r.content.decode()
    assert Company.objects.filter(name="甲公司").exists()
    assert world.client(world.commissioner).get("/imports/").status_code == 404
    assert world.client(world.handler).get("/imports/companies.xlsx").status_code == 404

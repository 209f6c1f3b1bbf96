"""Faults users of peer systems reported, each with its siblings: credit codes beginning with a letter,
identifiers typed into number cells, crafted page cursors, Excel date serials in date and period columns."""

from __future__ import annotations

import json
from datetime import date

import pytest
from openpyxl import load_workbook

from nuanqi.enterprise.import_templates import write_template
from nuanqi.enterprise.imports import run_import
from nuanqi.enterprise.models import Commissioner, Company, Indicator
from nuanqi.lib.cells import CellError, parse_date
from nuanqi.lib.uscc import UsccError, validate, with_check_digit
from tests.cases.helpers import file_case
from tests.enterprise.helpers import fill_template

# ---------------------------------------------------------------- 统一社会信用代码 (GB 32100)

VALID = [
    "N2330902MF12345X7U",  # 农业农村: a 村级股份经济合作社
    with_check_digit("91330902MA2A1B2C3"),  # 工商: a company
    with_check_digit("12330900002519483"),  # 机构编制: a public institution
    with_check_digit("51330902MJ9876543"),  # 民政: a social organisation
    with_check_digit("A1330902MB0000012"),  # 中央军委改革和编制办公室
    with_check_digit("Y1330902MC0000024"),  # 其他
    with_check_digit("N3330902MD0000036"),  # 农业农村, another category
    with_check_digit("81330902ME0000048"),  # 工会
]

INVALID = {
    "B1330902MA2A1B2C3X": "登记管理部门",  # B is no registering authority
    "01330902MA2A1B2C3X": "登记管理部门",
    "90330902MA2A1B2C3X": "机构类别",  # category 0
    "9A330902MA2A1B2C3X": "机构类别",
    "913309A2MA2A1B2C3X": "行政区划码",  # a letter in the administrative division
    "91330902MA2A1B2CIX": "不允许的字符",  # I is never used
    "91330902MA2A1B2COX": "不允许的字符",
    "N2330902MF12345X70": "末位应为 U",  # wrong check character
    "N2330902MF12345X7": "应为 18 位",
    "N2330902MF12345X7UU": "应为 18 位",
}


@pytest.mark.parametrize("code", VALID)
def test_credit_codes_of_every_registering_authority_are_accepted(code: str) -> None:
    assert validate(code) == code
    assert validate(code.lower().replace("3", "３")) == code  # lower case and full-width digits normalised


@pytest.mark.parametrize(("code", "reason"), INVALID.items())
def test_credit_codes_that_break_the_standard_are_refused_naming_why(code: str, reason: str) -> None:
    with pytest.raises(UsccError, match=reason):
        validate(code)


def test_a_village_cooperative_registers_through_the_api_and_the_import(world, tmp_path) -> None:
    body = {
        "name": "定海区白泉镇某村股份经济合作社",
        "uscc": "N2330902MF12345X7U",
        "industry": "A",
        "scale": "微型",
    }
    r = world.client(world.dispatcher).post("/api/v1/companies", json.dumps(body), "application/json")
    assert r.status_code == 201, r.content
    code = with_check_digit("Y1330902MC0000024")
    path = fill_template(
        "companies", tmp_path / "c.xlsx", [["某社会组织", code, "S", "小型", "否", "白泉镇"]]
    )
    report = run_import("companies", path, actor=world.admin)
    assert report.ok, report.errors
    assert Company.objects.filter(uscc__in=["N2330902MF12345X7U", code]).count() == 2


# ---------------------------------------------------------------- identifiers in number cells


def test_a_credit_code_in_a_number_cell_is_refused_asking_for_a_text_column(world, tmp_path) -> None:
    path = fill_template(
        "companies",
        tmp_path / "c.xlsx",
        [
            [
                "某企业有限公司",
                913309021470000061,
                "C27",
                "小型",
                "否",
                "白泉镇",
                "",
                "否",
                "张三",
                13800000000,
            ]
        ],
    )
    report = run_import("companies", path, actor=world.admin)
    assert [(e.row, e.column) for e in report.errors] == [(2, "统一社会信用代码"), (2, "联系电话")]
    assert all("请将该列设为文本格式" in e.reason for e in report.errors)
    assert "末位应为" not in report.errors[0].reason
    assert not Company.objects.filter(name="某企业有限公司").exists()


def test_an_account_and_a_company_code_in_number_cells_are_refused_in_the_other_imports(
    world, tmp_path
) -> None:
    path = fill_template(
        "commissioners", tmp_path / "m.xlsx", [[12345, "王五", "原科长", "第三批", "2023-01-29"]]
    )
    report = run_import("commissioners", path, actor=world.admin)
    assert [(e.row, e.column) for e in report.errors] == [(2, "账号")]
    path = fill_template("indicators", tmp_path / "i.xlsx", [[913309021470000061, "产值", "年度", "2022", 1]])
    report = run_import("indicators", path, actor=world.admin)
    assert [(e.row, e.column) for e in report.errors] == [(2, "企业")]
    assert not Commissioner.objects.filter(user__username="12345").exists() and not Indicator.objects.exists()


@pytest.mark.parametrize("kind", ["companies", "commissioners", "assignments", "indicators"])
def test_templates_make_identifier_columns_text(kind: str, tmp_path, db) -> None:
    write_template(kind, tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert ws is not None
    identifiers = {"统一社会信用代码", "联系电话", "账号", "手机", "企业", "专员账号"}
    text_columns = [c.column_letter for c in ws[1] if str(c.value).rstrip("*") in identifiers]
    assert text_columns
    for letter in text_columns:
        assert ws.column_dimensions[letter].number_format == "@", (kind, letter)


# ---------------------------------------------------------------- crafted cursors and page parameters

BAD_CURSORS = ["99999999999999999999999", "abc", "1e5", " 1", "1.2", "0x10", "١٢", "1" * 30]
BAD_WORKLIST_CURSORS = [
    "0.0.-99999999999999999.1",
    "0.0.9000000000000000000.1",  # a deadline in no calendar
    "0.0.1",
    "0.0.1.2.3",
    "a.b.c.d",
    "0.0.1.99999999999999999999",
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_crafted_cursor_of_a_list_or_a_search_is_a_422_in_the_api(world, cursor: str) -> None:
    file_case(world.commissioner, world.huakang, title="华康用地")
    client = world.client(world.dispatcher)
    for url in ("/api/v1/cases", "/api/v1/cases/search?q=华康"):
        sep = "&" if "?" in url else "?"
        r = client.get(url + sep + "next=" + cursor)
        assert (r.status_code, r.json()["code"]) == (422, "invalid_cursor"), (url, cursor)


@pytest.mark.parametrize("cursor", BAD_WORKLIST_CURSORS)
def test_a_crafted_worklist_cursor_is_a_422_in_the_api_and_a_message_on_the_page(world, cursor: str) -> None:
    file_case(world.commissioner, world.huakang, title="华康用地")
    client = world.client(world.commissioner)
    r = client.get("/api/v1/cases/worklist?next=" + cursor)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_cursor")
    page = client.get("/?next=" + cursor)
    assert page.status_code == 200 and "分页游标 next 无效" in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "q=华康&next=99999999999999999999999",
        "next=99999999999999999999999",
        "company=99999999999999999999999",
        "unit=1e5",
        "from=9999-12-31",
        "to=0001-01-01",
        "from=2023-02-30",
    ],
)
def test_the_html_list_answers_a_crafted_parameter_with_a_message_never_a_500(world, query: str) -> None:
    file_case(world.commissioner, world.huakang, title="华康用地")
    r = world.client(world.dispatcher).get("/cases/?" + query)
    assert r.status_code == 200
    assert "无效" in r.content.decode() or "格式不正确" in r.content.decode()


# ---------------------------------------------------------------- Excel date serials


def test_a_date_serial_in_a_number_cell_is_that_date_and_other_numbers_are_refused() -> None:
    assert parse_date(45017) == date(2023, 4, 1)
    assert parse_date(45017.0) == date(2023, 4, 1)
    for bad in (45017.5, 12, 999999, -1):
        with pytest.raises(CellError, match="不是日期"):
            parse_date(bad)
    for far in ("9999-12-31", "1900-01-01", "2500年1月1日"):
        with pytest.raises(CellError, match="超出合理范围"):
            parse_date(far)


@pytest.mark.parametrize(
    ("kind", "period", "start"),
    [
        ("月度", 45017, date(2023, 4, 1)),  # the serial of 2023-04-01, not July 4501
        ("季度", 45017, date(2023, 4, 1)),
        ("年度", 45017, date(2023, 1, 1)),
        ("年度", 2022, date(2022, 1, 1)),  # a year typed into a number cell
        ("月度", "2023年4月", date(2023, 4, 1)),
    ],
)
def test_a_period_in_a_number_cell_is_a_year_or_a_date_serial(world, tmp_path, kind, period, start) -> None:
    path = fill_template("indicators", tmp_path / "i.xlsx", [[world.huakang.name, "产值", kind, period, 100]])
    report = run_import("indicators", path, actor=world.admin)
    assert report.ok, report.errors
    assert Indicator.objects.get().period_start == start


@pytest.mark.parametrize("period", ["45017", 99999, 12.5, "4501年7月", "1900", "2999Q1"])
def test_a_period_far_away_or_a_serial_typed_as_text_is_refused(world, tmp_path, period) -> None:
    path = fill_template(
        "indicators", tmp_path / "i.xlsx", [[world.huakang.name, "产值", "月度", period, 100]]
    )
    report = run_import("indicators", path, actor=world.admin)
    assert [(e.row, e.column) for e in report.errors] == [(2, "期间")]
    assert not Indicator.objects.exists()


def test_a_dispatch_date_serial_in_a_number_cell_imports_as_that_date(world, tmp_path) -> None:
    path = fill_template(
        "commissioners", tmp_path / "m.xlsx", [["wangwu", "王五", "原科长", "第三批", 45017]]
    )
    report = run_import("commissioners", path, actor=world.admin)
    assert report.ok, report.errors
    assert Commissioner.objects.get(user__username="wangwu").dispatched_on == date(2023, 4, 1)

"""Malformed and hostile import files: each is a Chinese report by row and column or a clear refusal, and the
database is unchanged."""

from __future__ import annotations

import os
import unicodedata
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nuanqi.accounts.models import Role
from nuanqi.enterprise.import_templates import write_template
from nuanqi.enterprise.imports import run_import
from nuanqi.enterprise.models import Commissioner, Company, Indicator
from nuanqi.lib.excel_import import TemplateError
from tests.enterprise.helpers import fill_template, uscc


def _company(name: str, i: int = 1) -> list[object]:
    return [name, uscc(i), "C27", "小型", "否", "白泉镇"]


def _refused(kind: str, path: Path, world, match: str) -> None:  # type: ignore[no-untyped-def]
    before = Company.objects.count(), Indicator.objects.count(), Commissioner.objects.count()
    with pytest.raises(TemplateError, match=match):
        run_import(kind, path, actor=world.admin)
    assert (Company.objects.count(), Indicator.objects.count(), Commissioner.objects.count()) == before


def test_a_file_with_only_its_header_row_is_refused(world, tmp_path) -> None:
    path = tmp_path / "empty.xlsx"
    write_template("companies", path)
    _refused("companies", path, world, "只有表头")


@pytest.mark.parametrize("content", [b"not a workbook", b"PK\x03\x04broken", b""])
def test_a_file_that_is_not_an_xlsx_is_refused(world, tmp_path, content: bytes) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    _refused("companies", path, world, "无法读取")


def test_a_truncated_workbook_is_refused(world, tmp_path) -> None:
    path = fill_template("companies", tmp_path / "c.xlsx", [_company("舟山某企业有限公司")])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _refused("companies", path, world, "无法读取")


def test_a_formula_is_refused_naming_the_row_and_column(world, tmp_path) -> None:
    path = fill_template(
        "indicators",
        tmp_path / "i.xlsx",
        [
            [world.huakang.name, "产值", "年度", "2022", "=100*2"],
            [world.huakang.name, "营收", "年度", "2022", 5],
        ],
    )
    report = run_import("indicators", path, actor=world.admin)
    assert [(e.row, e.column) for e in report.errors] == [(2, "数值")]
    assert "E2 是公式" in report.errors[0].reason
    assert not Indicator.objects.exists()


@pytest.mark.parametrize(
    ("name", "char"),
    [
        ("舟山\u200b某企业有限公司", "U+200B"),  # zero-width space
        ("舟山\u202e司公限有业企某", "U+202E"),  # right-to-left override
        ("舟山\u2066某企业\u2069有限公司", "U+2066"),  # isolate
        ("\ufeff舟山某企业有限公司", "U+FEFF"),  # byte-order mark
        ("舟山某企\u00ad业有限公司", "U+00AD"),  # soft hyphen
    ],
)
def test_invisible_and_direction_characters_in_a_name_are_refused(
    world, tmp_path, name: str, char: str
) -> None:
    path = fill_template("companies", tmp_path / "c.xlsx", [_company(name)])
    report = run_import("companies", path, actor=world.admin)
    assert [(e.row, e.column) for e in report.errors] == [(2, "企业名称")]
    assert char in report.errors[0].reason
    assert not Company.objects.filter(uscc=uscc(1)).exists()


def test_names_are_stored_in_nfc_and_keep_full_width_brackets(world, tmp_path) -> None:
    decomposed = unicodedata.normalize("NFD", "舟山Café（集团）有限公司")
    path = fill_template("companies", tmp_path / "c.xlsx", [_company(decomposed)])
    assert run_import("companies", path, actor=world.admin).ok
    name = Company.objects.get(uscc=uscc(1)).name
    assert name == "舟山Café（集团）有限公司" and unicodedata.is_normalized("NFC", name)
    rows = [["舟山Café（集团）有限公司", "产值", "年度", "2022", 100]]
    assert run_import(
        "indicators", fill_template("indicators", tmp_path / "i.xlsx", rows), actor=world.admin
    ).ok


def test_over_long_optional_cells_are_reported_by_row_and_column(world, tmp_path) -> None:
    row = [*_company("舟山某企业有限公司"), "地" * 201, "否", "联" * 51, "1" * 41]
    report = run_import(
        "companies", fill_template("companies", tmp_path / "c.xlsx", [row]), actor=world.admin
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "地址"), (2, "联系人"), (2, "联系电话")]
    assert not Company.objects.filter(uscc=uscc(1)).exists()


def _with_part(path: Path, name: str, data: bytes, level: int = 9) -> Path:
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        zf.writestr(name, data)
    return path


def test_a_zip_bomb_is_refused_before_the_reader_runs(world, tmp_path, settings) -> None:
    settings.NUANQI_IMPORT_MAX_MB = 1  # the parts may unzip to 20 MB
    path = fill_template("companies", tmp_path / "c.xlsx", [_company("舟山某企业有限公司")])
    _with_part(path, "xl/media/padding.xml", b"0" * (30 * 1024 * 1024))
    assert path.stat().st_size < 200 * 1024
    _refused("companies", path, world, "解压后过大")


def test_a_file_over_the_size_limit_is_refused_on_the_page_too(world, tmp_path, settings) -> None:
    settings.NUANQI_IMPORT_MAX_MB = 1
    path = fill_template("companies", tmp_path / "c.xlsx", [_company("舟山某企业有限公司")])
    _with_part(path, "xl/media/photo.bin", os.urandom(1_200_000), level=0)
    _refused("companies", path, world, "文件过大")
    client = world.client(world.dispatcher)
    with path.open("rb") as f:
        r = client.post("/imports/", {"kind": "companies", "file": f}, follow=True)
    assert "文件过大" in r.content.decode()
    assert not Company.objects.filter(uscc=uscc(1)).exists()


def test_a_file_over_the_row_limit_is_refused(world, tmp_path, settings) -> None:
    settings.NUANQI_IMPORT_MAX_ROWS = 3
    rows = [_company(f"舟山某企业{i}有限公司", i) for i in range(4)]
    _refused("companies", fill_template("companies", tmp_path / "c.xlsx", rows), world, "超过 3 行")


def test_a_commissioner_import_never_takes_over_another_kind_of_account(world, tmp_path) -> None:
    rows = [
        ["leader", "冒名专员", "原局长", "第三批", "2023-01-29", "否", "", "13900000000"],
        ["handler", "冒名专员", "原局长", "第三批", "2023-01-29"],
        ["company", "冒名专员", "原局长", "第三批", "2023-01-29"],
        ["commissioner", "专员丙", "退职科级干部", "第三批", "2023-01-29", "否", "", "13911111111"],
    ]
    report = run_import(
        "commissioners", fill_template("commissioners", tmp_path / "m.xlsx", rows), actor=world.admin
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "账号"), (3, "账号"), (4, "账号")]
    assert "领导" in report.errors[0].reason
    world.leader.refresh_from_db()
    assert world.leader.display_name == "领导乙" and world.leader.phone == ""
    assert not world.leader.role_grants.filter(role=Role.COMMISSIONER).exists()
    rows = [rows[3]]
    assert run_import(
        "commissioners", fill_template("commissioners", tmp_path / "n.xlsx", rows), actor=None
    ).ok


def test_the_import_page_reports_a_formula_and_imports_nothing(world, tmp_path) -> None:
    path = fill_template(
        "indicators", tmp_path / "i.xlsx", [[world.huakang.name, "产值", "年度", "=2000+22", 5]]
    )
    upload = SimpleUploadedFile("指标.xlsx", path.read_bytes())
    r = world.client(world.dispatcher).post("/imports/", {"kind": "indicators", "file": upload}, follow=True)
    assert r.status_code == 200
    assert "是公式" in r.content.decode()
    assert not Indicator.objects.exists()


def test_a_contact_phone_no_mainland_number_can_be_is_reported_by_row_and_column(world, tmp_path) -> None:
    rows = [
        [*_company("舟山甲企业有限公司", 1), "", "否", "张三", "0580-2281234"],
        [*_company("舟山乙企业有限公司", 2), "", "否", "李四", "12-34"],
    ]
    report = run_import("companies", fill_template("companies", tmp_path / "c.xlsx", rows), actor=world.admin)
    assert [(e.row, e.column) for e in report.errors] == [(3, "联系电话")]
    assert "手机号或带区号的固定电话" in report.errors[0].reason
    assert not Company.objects.filter(uscc__in=[uscc(1), uscc(2)]).exists()


def test_a_commissioners_mobile_that_is_a_landline_is_reported(world, tmp_path) -> None:
    rows = [["new_comm", "新专员", "原科长", "第三批", "2023-01-29", "否", "", "0580-2281234"]]
    report = run_import(
        "commissioners", fill_template("commissioners", tmp_path / "m.xlsx", rows), actor=world.admin
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "手机")]
    assert not Commissioner.objects.filter(user__username="new_comm").exists()


def test_an_old_excel_file_that_is_not_one_is_refused(world, tmp_path) -> None:
    # The OLE2 signature of .xls (and of password-protected .xlsx), followed by nothing a reader can use.
    path = tmp_path / "old.xlsx"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512)
    _refused("companies", path, world, "无法读取")


def test_a_required_cell_left_empty_and_a_choice_not_offered_are_reported(world, tmp_path) -> None:
    rows = [
        ["舟山甲企业有限公司", uscc(1), "C27", "", "否", "白泉镇"],
        ["舟山乙企业有限公司", uscc(2), "C27", "巨型", "否", "白泉镇"],
    ]
    report = run_import("companies", fill_template("companies", tmp_path / "c.xlsx", rows), actor=world.admin)
    assert [(e.row, e.column) for e in report.errors] == [(2, "规模"), (3, "规模")]
    assert not Company.objects.filter(uscc__in=[uscc(1), uscc(2)]).exists()

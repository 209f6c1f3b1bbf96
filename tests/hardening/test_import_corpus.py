"""The one reader and every import, against files as offices keep them and files as attackers make them.

The same company import succeeds from .xlsx, .xls, .ods, a GBK CSV and a UTF-8 CSV. A corpus of malformed
and hostile files (truncated archives, zip bombs, formulas, wrong types, huge cells, encodings, files that
are not what their name says …) goes through the reader and each of the eight imports: every one is a
Chinese report by row and column or a clear Chinese refusal — never a library's English message — and no
row is written."""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from nuanqi.cases.models import Case
from nuanqi.consult.ledger import run_import as consult_import
from nuanqi.consult.models import Session
from nuanqi.enterprise.import_templates import SPECS
from nuanqi.enterprise.imports import run_import
from nuanqi.enterprise.models import Assignment, Commissioner, Company, Indicator, Policy
from nuanqi.lib.excel_import import XLS_NOTE, ImportReport, Limits, TemplateError, read_sheet
from nuanqi.patrol.ledger import import_points
from nuanqi.patrol.models import Point
from nuanqi.projects.imports import run_import as projects_import
from nuanqi.projects.models import Project
from tests.enterprise.helpers import fill_template, uscc

FILES = Path(__file__).parent / "files"
# The rows of files/companies.{xls,ods} (made by LibreOffice from the .xlsx below).
COMPANIES = [
    ["舟山市定海区甲制造有限公司", uscc(11), "C27", "小型", "否", "白泉镇", "", "是", "王某", "13905801234"],
    ["舟山市定海区乙科技有限公司（分公司）", uscc(12), "I65", "微型", "是", "白泉镇"],
]
HEADERS = [f.header + ("*" if f.required else "") for f in SPECS["companies"].fields]


def _csv(path: Path, encoding: str) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in COMPANIES:
        writer.writerow(row + [""] * (len(HEADERS) - len(row)))
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _companies_file(fmt: str, tmp_path: Path) -> Path:
    if fmt == "xlsx":
        return fill_template("companies", tmp_path / "c.xlsx", COMPANIES)
    if fmt in ("xls", "ods"):
        return FILES / f"companies.{fmt}"
    if fmt == "csv-gbk":
        return _csv(tmp_path / "c.csv", "gbk")
    return _csv(tmp_path / "c.csv", "utf-8-sig")


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods", "csv-gbk", "csv-utf8"])
def test_the_same_company_import_succeeds_from_every_format(world, tmp_path, fmt) -> None:
    report = run_import("companies", _companies_file(fmt, tmp_path), actor=world.admin)
    assert report.ok, [str(e) for e in report.errors]
    assert (report.rows, report.created) == (2, 2)
    first = Company.objects.get(uscc=uscc(11))
    assert first.name == "舟山市定海区甲制造有限公司" and first.scale == "small" and first.key_company
    assert first.contact_phone == "13905801234"
    assert Company.objects.get(uscc=uscc(12)).name == "舟山市定海区乙科技有限公司（分公司）"
    assert (XLS_NOTE in report.summary()) == (fmt == "xls")


def test_an_uploaded_gbk_csv_goes_through_the_import_page(world, tmp_path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = _csv(tmp_path / "c.csv", "gbk").read_bytes()
    r = world.client(world.admin).post(
        "/imports/",
        {"kind": "companies", "file": SimpleUploadedFile("企业.csv", data, content_type="text/csv")},
        follow=True,
    )
    assert "导入成功" in r.content.decode()
    assert Company.objects.filter(uscc__in=[uscc(11), uscc(12)]).count() == 2


def test_an_xls_formula_is_read_as_its_cached_value_and_the_report_says_so(world) -> None:
    report = run_import("indicators", FILES / "indicators_formula.xls", actor=world.admin)
    assert report.ok and report.notes == [XLS_NOTE]
    assert Indicator.objects.get(company=world.huakang).value == 200


def test_an_ods_formula_is_refused_naming_the_row_and_column(world) -> None:
    report = run_import("indicators", FILES / "indicators_formula.ods", actor=world.admin)
    assert [(e.row, e.column) for e in report.errors] == [(2, "数值")]
    assert "E2" in report.errors[0].reason and "公式" in report.errors[0].reason
    assert not Indicator.objects.exists()


# ---------------------------------------------------------------- the corpus


def _zip(path: Path, parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def _replace_part(source: Path, path: Path, name: str, data: bytes | None) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != name:
                zout.writestr(info, zin.read(info.filename))
        if data is not None:
            zout.writestr(name, data)
    return path


def _good(tmp: Path) -> Path:
    return fill_template("companies", tmp / "good.xlsx", COMPANIES)


def _cut(source: Path, path: Path, keep: Callable[[int], int]) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: keep(len(data))])
    return path


def _plain_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


Builder = Callable[[Path], Path]
# Each: (name, builder, settings to lower). All refused by the reader, before any importer's own checks.
CORPUS: list[tuple[str, Builder, dict[str, Any]]] = [
    ("empty file", lambda t: _plain_csv(t / "e.xlsx", ""), {}),
    ("empty csv", lambda t: _plain_csv(t / "e.csv", ""), {}),
    ("text named .xlsx", lambda t: _plain_csv(t / "x.xlsx", "not a workbook"), {}),
    ("text named .xls", lambda t: _plain_csv(t / "x.xls", "企业名称,信用代码"), {}),
    ("text named .ods", lambda t: _plain_csv(t / "x.ods", "hello"), {}),
    ("zip signature only", lambda t: _plain_csv(t / "z.xlsx", "PK\x03\x04broken"), {}),
    ("xlsx cut in half", lambda t: _cut(_good(t), t / "h.xlsx", lambda n: n // 2), {}),
    ("xlsx cut to 100 bytes", lambda t: _cut(_good(t), t / "h.xlsx", lambda n: 100), {}),
    ("xlsx missing its last byte", lambda t: _cut(_good(t), t / "h.xlsx", lambda n: n - 1), {}),
    ("xls cut in half", lambda t: _cut(FILES / "companies.xls", t / "h.xls", lambda n: n // 2), {}),
    ("ods cut in half", lambda t: _cut(FILES / "companies.ods", t / "h.ods", lambda n: n // 2), {}),
    ("zip holding no workbook", lambda t: _zip(t / "a.xlsx", {"readme.txt": b"hello"}), {}),
    (
        "xlsx without its sheet",
        lambda t: _replace_part(_good(t), t / "n.xlsx", "xl/worksheets/sheet1.xml", None),
        {},
    ),
    (
        "xlsx with a broken sheet",
        lambda t: _replace_part(
            _good(t), t / "b.xlsx", "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row"
        ),
        {},
    ),
    (
        "xlsx with a broken workbook part",
        lambda t: _replace_part(_good(t), t / "w.xlsx", "xl/workbook.xml", b"\x00\x01garbage"),
        {},
    ),
    (
        "ods with broken content",
        lambda t: _replace_part(
            FILES / "companies.ods", t / "b.ods", "content.xml", b"<office:document-content"
        ),
        {},
    ),
    (
        "ods without content",
        lambda t: _replace_part(FILES / "companies.ods", t / "n.ods", "content.xml", None),
        {},
    ),
    (
        "zip bomb",
        lambda t: _replace_part(_good(t), t / "bomb.xlsx", "xl/media/pad.xml", b"0" * (30 * 1024 * 1024)),
        {"NUANQI_IMPORT_MAX_MB": 1},
    ),
    (
        "zip bomb in the workbook part",
        lambda t: _replace_part(_good(t), t / "wb.xlsx", "xl/workbook.xml", b" " * (30 << 20)),
        {"NUANQI_IMPORT_MAX_MB": 1},
    ),
    (
        "zip bomb stored in an ods",
        lambda t: _replace_part(
            FILES / "companies.ods", t / "bomb.ods", "Pictures/pad.xml", b"0" * (30 << 20)
        ),
        {"NUANQI_IMPORT_MAX_MB": 1},
    ),
    (
        "file over the size limit",
        lambda t: _plain_csv(t / "big.csv", "a" * (1100 * 1024)),
        {"NUANQI_IMPORT_MAX_MB": 1},
    ),
    (
        "fake xls: OLE2 signature then zeros",
        lambda t: (
            t / "o.xls" if (t / "o.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512) else t
        ),
        {},
    ),
    (
        "png named .xlsx",
        lambda t: t / "p.xlsx" if (t / "p.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64) else t,
        {},
    ),
    (
        "gzip named .csv",
        lambda t: t / "g.csv" if (t / "g.csv").write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 64) else t,
        {},
    ),
    ("utf-16 csv", lambda t: _plain_csv(t / "u.csv", "企业名称*,统一社会信用代码*\n甲,乙\n", "utf-16"), {}),
    (
        "csv in no known encoding",
        lambda t: t / "k.csv" if (t / "k.csv").write_bytes(b"\xff\xfe\xfd\x81\x30" * 20) else t,
        {},
    ),
    (
        "csv with a huge quoted cell",
        lambda t: _plain_csv(t / "huge.csv", 'a,b\n"' + "长" * 200_000 + '",x\n'),
        {},
    ),
    ("xlsx with only a header row", lambda t: fill_template("companies", t / "hdr.xlsx", []), {}),
    ("csv with only a header row", lambda t: _plain_csv(t / "hdr.csv", ",".join(HEADERS) + "\n"), {}),
    ("xlsx whose header row is empty", lambda t: _blank_header(t / "blank.xlsx"), {}),
    ("csv with unknown columns", lambda t: _plain_csv(t / "cols.csv", "甲,乙,丙\n1,2,3\n"), {}),
    (
        "pdf named .csv",
        lambda t: _plain_csv(t / "f.csv", "%PDF-1.4\n1 0 obj << /Type /Catalog >>\nendobj\n"),
        {},
    ),
    (
        "too many rows",
        lambda t: _plain_csv(t / "rows.csv", ",".join(HEADERS) + "\n" + "甲,乙\n" * 5),
        {"NUANQI_IMPORT_MAX_ROWS": 2},
    ),
]


def _blank_header(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A3"] = "舟山某企业有限公司"
    wb.save(path)
    return path


_ALLOWED_LATIN = ("LibreOffice", "Excel", "WPS", "CSV", "UTF", "GBK", "xlsx", "xlsm", "xls", "ods", "MB")


def _chinese_only(message: str) -> None:
    assert re.search(r"[\u4e00-\u9fff]", message), message
    stripped = message
    for word in _ALLOWED_LATIN:
        stripped = stripped.replace(word, "")
    assert not re.search(r"[A-Za-z]{3,}", stripped), f"English inside a Chinese message: {message}"


def _counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (Company, Indicator, Commissioner, Assignment, Policy, Point, Project, Case)
    )


def _enterprise_import(kind: str, world: Any, path: Path) -> ImportReport:
    return run_import(kind, path, actor=world.admin)


IMPORTS: dict[str, Callable[[Any, Path], ImportReport]] = {
    **{
        kind: functools.partial(_enterprise_import, kind)
        for kind in ("companies", "commissioners", "assignments", "policies", "indicators")
    },
    "points": lambda w, p: import_points(p, actor=w.admin),
    "projects": lambda w, p: projects_import(p, actor=w.admin),
    "consult": lambda w, p: consult_import(
        Session.objects.create(
            topic="营商环境", held_on=timezone.localdate() + timedelta(days=3), organiser=w.office
        ),
        p,
        actor=w.admin,
    ),
}


def test_the_corpus_holds_at_least_thirty_kinds_of_bad_file() -> None:
    assert len(CORPUS) + len(ROW_CORPUS) >= 30
    assert len({name for name, *_ in CORPUS} | {name for name, *_ in ROW_CORPUS}) == len(CORPUS) + len(
        ROW_CORPUS
    )


@pytest.mark.parametrize(("name", "build", "lowered"), CORPUS, ids=[c[0] for c in CORPUS])
def test_the_reader_refuses_each_bad_file_in_chinese(db, tmp_path, settings, name, build, lowered) -> None:
    path = build(tmp_path)
    limits = Limits(
        max_bytes=lowered.get("NUANQI_IMPORT_MAX_MB", 10) * 1024 * 1024,
        max_unzipped=lowered.get("NUANQI_IMPORT_MAX_MB", 10) * 20 * 1024 * 1024,
        max_rows=lowered.get("NUANQI_IMPORT_MAX_ROWS", 100_000),
    )
    with pytest.raises(TemplateError) as refused:
        rows = list(read_sheet(path, SPECS["companies"].fields, limits))
        if not rows:  # what every import says of a file without data rows
            raise TemplateError("文件只有表头，没有数据行")
    _chinese_only(str(refused.value))


@pytest.mark.parametrize("importer", sorted(IMPORTS))
def test_every_import_refuses_every_bad_file_in_chinese_and_writes_nothing(
    world, tmp_path, settings, importer
):
    for name, build, lowered in CORPUS:
        for key, value in lowered.items():
            setattr(settings, key, value)
        folder = tmp_path / re.sub(r"\W+", "_", name)
        folder.mkdir()
        path = build(folder)
        before = _counts()
        try:
            report = IMPORTS[importer](world, path)
        except TemplateError as exc:
            _chinese_only(str(exc))
        else:
            assert not report.ok, (importer, name)
            for error in report.errors:
                _chinese_only(error.reason)
        assert _counts() == before, (importer, name)
        for key in lowered:
            setattr(settings, key, {"NUANQI_IMPORT_MAX_MB": 10, "NUANQI_IMPORT_MAX_ROWS": 100_000}[key])


# Row-level faults: the file reads, and the report names each bad cell by row and column.
def _company_rows(*rows: list[Any]) -> Builder:
    return lambda t: fill_template("companies", t / "rows.xlsx", rows)


ROW_CORPUS: list[tuple[str, Builder, tuple[int, str]]] = [
    (
        "formula in a cell",
        _company_rows(['=HYPERLINK("http://x","点我")', uscc(1), "C27", "小型", "否", "白泉镇"]),
        (2, "企业名称"),
    ),
    (
        "credit code in a number cell",
        _company_rows(["甲公司", 913309021470000061, "C27", "小型", "否", "白泉镇"]),
        (2, "统一社会信用代码"),
    ),
    (
        "credit code with a wrong check digit",
        _company_rows(["甲公司", "91330902MA0000011A", "C27", "小型", "否", "白泉镇"]),
        (2, "统一社会信用代码"),
    ),
    (
        "name over the column's length",
        _company_rows(["甲" * 400, uscc(1), "C27", "小型", "否", "白泉镇"]),
        (2, "企业名称"),
    ),
    (
        "40,000-character cell",
        _company_rows(["甲公司", uscc(1), "C27", "小型", "否", "白泉镇", "路" * 40_000]),
        (2, "地址"),
    ),
    (
        "zero-width space in a name",
        _company_rows(["甲\u200b公司", uscc(1), "C27", "小型", "否", "白泉镇"]),
        (2, "企业名称"),
    ),
    (
        "direction override in a name",
        _company_rows(["甲\u202e公司", uscc(1), "C27", "小型", "否", "白泉镇"]),
        (2, "企业名称"),
    ),
    ("choice not offered", _company_rows(["甲公司", uscc(1), "C27", "巨型", "否", "白泉镇"]), (2, "规模")),
    (
        "yes/no cell with a number",
        _company_rows(["甲公司", uscc(1), "C27", "小型", 7, "白泉镇"]),
        (2, "规上企业"),
    ),
    (
        "malformed phone number",
        _company_rows(["甲公司", uscc(1), "C27", "小型", "否", "白泉镇", "", "", "王", "1390580"]),
        (2, "联系电话"),
    ),
    ("unknown town", _company_rows(["甲公司", uscc(1), "C27", "小型", "否", "火星镇"]), (2, "所属镇街")),
    ("unknown industry", _company_rows(["甲公司", uscc(1), "Z99", "小型", "否", "白泉镇"]), (2, "行业")),
]


@pytest.mark.parametrize(("name", "build", "where"), ROW_CORPUS, ids=[c[0] for c in ROW_CORPUS])
def test_each_bad_cell_is_reported_by_row_and_column_and_nothing_is_written(
    world, tmp_path, name, build, where
):
    before = _counts()
    report = run_import("companies", build(tmp_path), actor=world.admin)
    assert where in [(e.row, e.column) for e in report.errors], [str(e) for e in report.errors]
    for error in report.errors:
        _chinese_only(error.reason)
    assert _counts() == before

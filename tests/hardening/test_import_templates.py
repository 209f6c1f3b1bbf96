"""Import templates as an office fills them: the data sheet holds the header only, a 填写说明 sheet holds the
explanations and an example row, every enumerated column has a dropdown, identifiers are text."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook

from nuanqi.consult import ledger as consult_ledger
from nuanqi.enterprise.import_templates import SPECS, TEXT_COLUMNS, template_choices, write_template
from nuanqi.lib.excel_template import INSTRUCTIONS, OPTIONS
from nuanqi.patrol import ledger as patrol_ledger
from nuanqi.patrol.models import PointType
from nuanqi.projects import imports as project_imports

Writer = Callable[[io.BytesIO], Any]
TEMPLATES: dict[str, tuple[Writer, tuple[str, ...], tuple[str, ...]]] = {
    # name: (writer, headers that must have a dropdown, headers that must be text)
    "companies": (
        lambda b: write_template("companies", b),
        ("规模", "规上企业", "所属镇街", "重点企业"),
        ("统一社会信用代码", "联系电话"),
    ),
    "commissioners": (lambda b: write_template("commissioners", b), ("已签保密条约",), ("账号", "手机")),
    "assignments": (lambda b: write_template("assignments", b), (), ("企业", "专员账号")),
    "policies": (lambda b: write_template("policies", b), ("层级", "免申即享", "仅限规上"), ("文号",)),
    "indicators": (lambda b: write_template("indicators", b), ("指标", "周期"), ("企业",)),
    "points": (
        lambda b: patrol_ledger.write_points(b),
        ("点位类型", "镇街", "坐标系", "责任单位", "启用"),
        ("点位长账号",),
    ),
    "projects": (lambda b: project_imports.write_template(b), ("类型", "镇街", "责任单位"), ()),
    "consult": (lambda b: consult_ledger.write_template(b), ("答复单位",), ()),
}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_each_template_has_a_data_sheet_an_instructions_sheet_and_dropdowns(world, name) -> None:
    PointType.objects.get_or_create(name="农贸市场")
    writer, dropdowns, text = TEMPLATES[name]
    buffer = io.BytesIO()
    writer(buffer)
    buffer.seek(0)
    wb = load_workbook(buffer)
    data = wb.worksheets[0]
    assert wb.active is data
    headers = [c.value.rstrip("*") for c in data[1]]
    # The data sheet holds the header row only: nothing to delete before filling it in.
    assert data.max_row == 1
    # Instructions: one line per column, and an example row under the same headers.
    guide = wb[INSTRUCTIONS]
    values = [[c.value for c in row] for row in guide.iter_rows()]
    listed = {row[0] for row in values if row and row[0]}
    assert set(headers) <= listed
    shown = [c.value for c in data[1]]
    header_row = next(i for i, row in enumerate(values) if list(row[: len(headers)]) == shown)
    example = values[header_row + 1][: len(headers)]
    assert sum(v not in (None, "") for v in example) >= 2
    # Dropdowns over the hidden options sheet for every enumerated column.
    assert wb[OPTIONS].sheet_state == "hidden"
    covered = {}
    for dv in data.data_validations.dataValidation:
        assert dv.type == "list" and dv.showErrorMessage
        column = str(dv.sqref).split(":")[0].rstrip("0123456789")
        covered[column] = dv.formula1
    for header in dropdowns:
        letter = data.cell(row=1, column=headers.index(header) + 1).column_letter
        assert letter in covered, header
        assert covered[letter].startswith(f"'{OPTIONS}'!${letter}$2")
    for header in text:
        letter = data.cell(row=1, column=headers.index(header) + 1).column_letter
        assert data.column_dimensions[letter].number_format == "@", header


def test_every_choice_column_of_the_enterprise_imports_has_its_choices(world) -> None:
    for kind in SPECS:
        keys = {f.key for f in SPECS[kind].fields}
        assert set(template_choices(kind)) <= keys
    assert "白泉镇" in template_choices("companies")["town"]
    assert {"uscc", "contact_phone", "phone", "username"} <= TEXT_COLUMNS


def test_a_filled_in_template_still_imports(world, tmp_path) -> None:
    """The example lives on the instructions sheet: rows typed under the data sheet's header import."""
    from nuanqi.enterprise.imports import run_import
    from tests.enterprise.helpers import fill_template, uscc

    path = fill_template(
        "companies", tmp_path / "c.xlsx", [["舟山甲有限公司", uscc(5), "C27", "小型", "否", "白泉镇"]]
    )
    report = run_import("companies", path, actor=world.admin)
    assert report.ok and report.created == 1

"""Import templates as offices fill them: a data sheet that holds data only, and a 填写说明 sheet.

The first sheet (the one every import reads) has the Chinese headers (required ones marked * and in red),
each explained in a comment; enumerated columns get a dropdown (a list data validation over a hidden 选项
sheet, so long lists such as the units fit), and identifier columns (信用代码, phone numbers, accounts) are
formatted as text so Excel keeps every digit. The 填写说明 sheet lists each column — required or not, what
it takes, its choices — and shows an example row under the same headers, so the data sheet never holds an
example someone forgets to delete. Pure openpyxl; every text goes through `openpyxl_text`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from nuanqi.lib.excel import openpyxl_text
from nuanqi.lib.excel_import import Field

YES_NO = ("是", "否")
INSTRUCTIONS = "填写说明"
OPTIONS = "选项"
# Rows of the data sheet the dropdowns and text format cover: the import's default row limit.
ROWS = 100_001


def import_template(
    title: str,
    fields: Sequence[Field],
    *,
    choices: Mapping[str, Sequence[str]] | None = None,
    text_keys: Sequence[str] = (),
    examples: Mapping[str, Any] | None = None,
    notes: Sequence[str] = (),
) -> Workbook:
    """The template workbook; the caller saves it (or appends rows to its first sheet, for an export)."""
    choices = {k: list(v) for k, v in (choices or {}).items() if v}
    examples = dict(examples or {})
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    options = wb.create_sheet(OPTIONS)
    options.sheet_state = "hidden"
    for col, f in enumerate(fields, start=1):
        letter = get_column_letter(col)
        cell = openpyxl_text(ws.cell(row=1, column=col), f.header + ("*" if f.required else ""))
        cell.font = Font(bold=True, color="B4232A" if f.required else "1F2933")
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        if f.help:
            cell.comment = Comment(f.help, "暖企")
        ws.column_dimensions[letter].width = max(12, len(f.header) * 2.4)
        if f.key in text_keys or f.text_only:
            # Typed as text, so Excel keeps an 18-digit 信用代码 or a phone number exactly (not as a float).
            ws.column_dimensions[letter].number_format = "@"
        values = choices.get(f.key)
        if values:
            openpyxl_text(options.cell(row=1, column=col), f.header)
            for i, value in enumerate(values, start=2):
                openpyxl_text(options.cell(row=i, column=col), value)
            dv = DataValidation(
                type="list",
                formula1=f"'{OPTIONS}'!${letter}$2:${letter}${len(values) + 1}",
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="stop",
                errorTitle="不在可选范围内",
                error=f"“{f.header}”请从下拉列表中选择",
                showInputMessage=True,
                promptTitle=f.header[:32],
                prompt="请从下拉列表中选择"[:255],
            )
            dv.add(f"{letter}2:{letter}{ROWS}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    _instructions(wb.create_sheet(INSTRUCTIONS, 1), fields, choices, examples, notes)
    wb.active = 0
    return wb


def _instructions(
    ws: Worksheet,
    fields: Sequence[Field],
    choices: Mapping[str, Sequence[str]],
    examples: Mapping[str, Any],
    notes: Sequence[str],
) -> None:
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    openpyxl_text(ws.cell(row=1, column=1), "填写说明").font = Font(bold=True, size=14)
    lines = [
        "在第一张工作表中从第 2 行起每行填写一条，不要改动表头；带 * 的列必填。",
        "每一行都会先检查，有任何错误时一行也不导入，并列出每处错误的行号和列名。",
        "下拉列表列请从列表中选择；信用代码、电话、账号等列已设为文本格式，请勿改为数字。",
        "也可导入 .xls、.ods 或 CSV（UTF-8 或 GBK 编码）文件，表头与本模板相同即可。",
        *notes,
    ]
    row = 2
    for line in lines:
        openpyxl_text(ws.cell(row=row, column=1), line)
        row += 1
    row += 1
    for col, head in enumerate(("列名", "必填", "说明", "可选值"), start=1):
        openpyxl_text(ws.cell(row=row, column=col), head).font = bold
    for f in fields:
        row += 1
        openpyxl_text(ws.cell(row=row, column=1), f.header)
        openpyxl_text(ws.cell(row=row, column=2), "是" if f.required else "否")
        openpyxl_text(ws.cell(row=row, column=3), f.help).alignment = wrap
        shown = list(choices.get(f.key, ()))
        text = "、".join(shown[:30]) + (f" 等 {len(shown)} 项（见下拉列表）" if len(shown) > 30 else "")
        openpyxl_text(ws.cell(row=row, column=4), text).alignment = wrap
    row += 2
    openpyxl_text(ws.cell(row=row, column=1), "示例（请在第一张工作表中按此格式填写）").font = bold
    row += 1
    for col, f in enumerate(fields, start=1):
        openpyxl_text(ws.cell(row=row, column=col), f.header + ("*" if f.required else "")).font = bold
        example = examples.get(f.key, f.example)
        if example not in (None, ""):
            openpyxl_text(ws.cell(row=row + 1, column=col), example)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 8
    ws.column_dimensions["C"].width = 48
    ws.column_dimensions["D"].width = 48

"""Excel ledgers (台账): streaming .xlsx writing with Chinese headers. Pure Python, no Django.

Every text cell of every workbook we write — this streaming writer, and openpyxl for the briefing and the
import templates (`openpyxl_text`) — goes through `cell_text`: a text beginning with = + - @ tab or CR is
written as text with the quotePrefix style (Excel shows it as typed and never evaluates it; a leading ' would
corrupt "+86…" numbers and break export → edit → re-import), characters XML cannot carry are dropped, and a
text longer than Excel's 32,767-character cell limit is cut with a visible mark (the full text stays in the
system). A ledger longer than one sheet (`sheet_rows`, Excel's 1,048,576 by default) continues on further
sheets, and its 说明 counts what was written on each.

`write_ledger` builds the sheet XML as text and streams it into the zip a thousand rows at a time, consuming
rows from any iterable (e.g. a queryset `.iterator()`): memory stays flat however many rows are written.
openpyxl's per-cell objects cost about 2 µs a cell, which made them the whole time of a 100,000-case export;
strings are written inline (no shared-strings table to hold in memory).
"""

from __future__ import annotations

import itertools
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl.utils import get_column_letter

TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    kind: str = "text"  # text | date | datetime | number | int


def excel_value(value: Any) -> Any:
    """Excel has no time zones: aware datetimes become Shanghai wall-clock time."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(TZ).replace(tzinfo=None)
    return value


_EPOCH = datetime(1899, 12, 30)
# Characters XML 1.0 forbids (and lone surrogates no encoder writes): dropped rather than corrupting the file.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Style ids in styles.xml below: 0 plain, 1 header, 2 datetime, 3 date, 4 number, 5 integer, 6 text shown as
# typed (quotePrefix).
_STYLE = {"datetime": 2, "date": 3, "number": 4, "int": 5}
QUOTED = 6
# Excel's limits: characters in a cell, rows in a sheet.
CELL_MAX = 32_767
SHEET_ROWS = 1_048_576
CUT_MARK = "…〔超出 Excel 单元格上限，已截断，全文见系统〕"
# What spreadsheets read as the start of a formula (tab and CR as well: some strip them first).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Any) -> tuple[str, bool]:
    """A text cell's content as Excel can hold it, and whether it must be marked as text (quotePrefix)."""
    text = _ILLEGAL.sub("", str(value))
    if len(text) > CELL_MAX:
        text = text[: CELL_MAX - len(CUT_MARK)] + CUT_MARK
    return text, text.startswith(_FORMULA_START)


def openpyxl_text(cell: Any, value: Any) -> Any:
    """Put text into an openpyxl cell through `cell_text`: never a formula, within the limits."""
    text, quoted = cell_text(value)
    cell.value = text
    cell.data_type = "s"  # openpyxl would otherwise take "=…" for a formula
    if quoted:
        cell.quotePrefix = True
    return cell


_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def _content_types(sheets: int) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>'
            for i in range(1, sheets + 1)
        )
        + '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    )


def _workbook_rels(sheets: int) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, sheets + 1)
        )
        + f'<Relationship Id="rId{sheets + 1}" Type="{_REL}styles" Target="styles.xml"/></Relationships>'
    )


_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/><numFmt numFmtId="166" formatCode="#,##0.00"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFF2F2F2"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="7"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _esc(text: str) -> str:
    text = _ILLEGAL.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _serial(value: datetime | date) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(TZ).replace(tzinfo=None)
        return (value - _EPOCH).total_seconds() / 86400
    return float((value - _EPOCH.date()).days)


def _cell(ref: str, value: Any, style: int) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="inlineStr"><is><t>{"是" if value else "否"}</t></is></c>'
    if isinstance(value, (datetime, date)):
        return f'<c r="{ref}" s="{style or 2}"><v>{_serial(value)!r}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{f" s={chr(34)}{style}{chr(34)}" if style else ""}><v>{value!r}</v></c>'
    text, quoted = cell_text(value)
    mark = f' s="{QUOTED}"' if quoted else ""
    return f'<c r="{ref}"{mark} t="inlineStr"><is><t xml:space="preserve">{_esc(text)}</t></is></c>'


def _sheet(
    zf: zipfile.ZipFile,
    name: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    frozen: bool,
    limit: int = SHEET_ROWS - 1,
) -> int:
    """Write up to `limit` data rows under the header; the rest of `rows` is left unconsumed."""
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    styles = [_STYLE.get(c.kind, 0) for c in columns]
    count = 0
    with zf.open(name, "w", force_zip64=True) as out:
        head = [_SHEET_HEAD]
        if frozen:
            head.append(
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            )
        head.append("<cols>")
        head += [
            f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"/>' for i, c in enumerate(columns, 1)
        ]
        head.append('</cols><sheetData><row r="1">')
        head += [
            f'<c r="{letter}1" t="inlineStr"{" s=" + chr(34) + "1" + chr(34) if frozen else ""}>'
            f"<is><t>{_esc(c.header)}</t></is></c>"
            for letter, c in zip(letters, columns, strict=True)
        ]
        head.append("</row>")
        out.write("".join(head).encode())
        buf: list[str] = []
        for r, row in enumerate(itertools.islice(rows, limit), start=2):
            cells = "".join(
                _cell(f"{letter}{r}", value, style)
                for letter, value, style in zip(letters, row, styles, strict=False)
            )
            buf.append(f'<row r="{r}">{cells}</row>')
            count += 1
            if len(buf) == 1000:
                out.write("".join(buf).encode())
                buf = []
        buf.append("</sheetData>")
        if frozen:
            # A data sheet opens with the filter buttons on its header row (Excel, WPS and LibreOffice).
            buf.append(f'<autoFilter ref="A1:{letters[-1]}{count + 1}"/>')
        buf.append("</worksheet>")
        out.write("".join(buf).encode())
    return count


def write_ledger(
    target: str | Path | IO[bytes],
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "台账",
    notes: Sequence[tuple[str, str]] = (),
    sheet_rows: int = SHEET_ROWS,
) -> int:
    """Write the rows on a sheet named `title` (bold, shaded, frozen header row with filter buttons, set
    widths, dates as dates),
    continued on "title (2)", "title (3)" … past `sheet_rows` - 1 rows, and a 说明 sheet with the counts and
    `notes` (e.g. the filters used). Returns the number of data rows written."""
    title = title[:26]
    per_sheet = max(1, sheet_rows - 1)
    rest = iter(rows)
    counts: list[int] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        while True:
            n = len(counts) + 1
            counts.append(_sheet(zf, f"xl/worksheets/sheet{n}.xml", columns, rest, True, per_sheet))
            if counts[-1] < per_sheet:
                break
            following = next(rest, None)  # a streamed response cannot be refused once begun: go on
            if following is None:
                break
            rest = itertools.chain([following], rest)
        names = [title if i == 0 else f"{title} ({i + 1})" for i in range(len(counts))]
        count = sum(counts)
        info: list[tuple[str, Any]] = [
            ("台账", title),
            ("生成时间", datetime.now(TZ).strftime("%Y-%m-%d %H:%M")),
            ("行数", count),
        ]
        if len(counts) > 1:
            info += [(f"工作表“{name}”", f"{n} 行") for name, n in zip(names, counts, strict=True)]
        info += list(notes)
        sheets = len(counts) + 1
        _sheet(zf, f"xl/worksheets/sheet{sheets}.xml", (Column("项目", 16), Column("内容", 40)), info, False)
        zf.writestr("[Content_Types].xml", _content_types(sheets))
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            + "".join(
                f'<sheet name="{_esc(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(names, 1)
            )
            + f'<sheet name="说明" sheetId="{sheets}" r:id="rId{sheets}"/></sheets><definedNames>'
            + "".join(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                f"'{_esc(name)}'!$A$1:${get_column_letter(len(columns))}${n + 1}</definedName>"
                for i, (name, n) in enumerate(zip(names, counts, strict=True))
            )
            + "</definedNames></workbook>",
        )
        zf.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(sheets))
        zf.writestr("xl/styles.xml", _STYLES)
    return count

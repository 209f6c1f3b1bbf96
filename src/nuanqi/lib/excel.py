"""Excel ledgers (台账): streaming .xlsx writing with Chinese headers. Pure Python (openpyxl), no Django.

`write_ledger` uses openpyxl's write-only mode, so memory stays flat however many rows are written: rows
are consumed from any iterable (e.g. a queryset `.iterator()`), never held in a list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

TZ = ZoneInfo("Asia/Shanghai")
_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "number": "#,##0.00", "int": "0"}
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")


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


def write_ledger(
    target: str | Path | IO[bytes],
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "台账",
    notes: Sequence[tuple[str, str]] = (),
) -> int:
    """Write one sheet named `title` (header row frozen, widths set, dates as dates) and a 说明 sheet with
    `notes` (e.g. the filters used). Returns the number of data rows written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.freeze_panes = "A2"
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    header = []
    for col in columns:
        cell = WriteOnlyCell(ws, value=col.header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    ws.append(header)
    formats = [_FORMATS.get(c.kind) for c in columns]
    count = 0
    for row in rows:
        out: list[Any] = []
        for value, fmt in zip(row, formats, strict=False):
            value = excel_value(value)
            if fmt and isinstance(value, (date, datetime, int, float)):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = fmt
                out.append(cell)
            else:
                out.append(value)
        ws.append(out)
        count += 1
    info = wb.create_sheet(title="说明")
    info.append(["台账", title])
    info.append(["生成时间", datetime.now(TZ).strftime("%Y-%m-%d %H:%M")])
    info.append(["行数", count])
    for key, value in notes:
        info.append([key, value])
    wb.save(target)
    return count

"""Cell values of an import file into Python values, with a Chinese reason when they cannot be used.

Full-width digits and letters (１２３，ＡＢＣ) are folded to half-width first (NFKC); names stay in NFC so a
company's full-width （） survives. Dates take the forms people type in China ("2023年3月27日", "2023/3/27",
"20230327") and Excel's date serials; years outside `YEARS` are refused as slips. Every parser raises
`CellError` with the reason shown to the person importing. No Django, no spreadsheet library.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any


class CellError(ValueError):
    """A cell's value cannot be used; the message is the reason shown to the person importing."""


def normalize_text(value: Any) -> str:
    """Text of a cell with full-width ASCII (digits, letters, punctuation) folded to half-width."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    # NFKC folds full-width forms and the ideographic space; Chinese characters are unchanged by it.
    return unicodedata.normalize("NFKC", text).strip()


_CN_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_SEP_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


# Years a date of the programme can have; anything else is a typing or a format slip (a serial read as text).
YEARS = range(1950, 2101)
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIALS = range((date(YEARS.start, 1, 1) - _EXCEL_EPOCH).days, (date(YEARS.stop, 1, 1) - _EXCEL_EPOCH).days)
DATE_FORMS = "请写成 2023-03-27 或 2023年3月27日，或把单元格设为日期格式"


def _sane(d: date, text: Any) -> date:
    if d.year not in YEARS:
        raise CellError(f"日期“{text}”的年份超出合理范围（{YEARS.start}–{YEARS.stop - 1}）")
    return d


def excel_serial(value: Any) -> date | None:
    """The date of an Excel serial number (45017 → 2023-04-01) in a number cell, if it is one in YEARS."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if float(value).is_integer() and int(value) in _SERIALS:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    return None


def parse_date(value: Any) -> date:
    """A date from a date cell, an Excel date serial in a number cell, "2023-03-27", "2023/3/27", "2023.3.27",
    "20230327" or "2023年3月27日"; years outside YEARS are refused."""
    if isinstance(value, datetime):
        return _sane(value.date(), value.date().isoformat())
    if isinstance(value, date):
        return _sane(value, value.isoformat())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        serial = excel_serial(value)
        if serial is None:
            raise CellError(f"数字“{normalize_text(value)}”不是日期，{DATE_FORMS}")
        return serial
    text = normalize_text(value)
    if not text:
        raise CellError("日期不能为空")
    for pattern in (_CN_DATE, _SEP_DATE, _COMPACT_DATE):
        m = pattern.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                found = date(y, mo, d)
            except ValueError:
                raise CellError(f"日期“{text}”不存在") from None
            return _sane(found, text)
    raise CellError(f"无法识别的日期“{text}”，{DATE_FORMS}")


def parse_decimal(value: Any, *, minimum: Decimal | None = None) -> Decimal:
    if isinstance(value, bool):
        raise CellError("应为数字")
    if isinstance(value, (int, float)):
        result = Decimal(str(value))
    else:
        text = normalize_text(value).replace(",", "").replace("，", "")
        if not text:
            raise CellError("数字不能为空")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise CellError(f"“{text}”不是数字") from None
    if not result.is_finite():
        raise CellError("应为有限的数字")
    if minimum is not None and result < minimum:
        raise CellError(f"不能小于 {minimum}")
    return result


def parse_int(value: Any, *, minimum: int | None = None) -> int:
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise CellError(f"“{normalize_text(value)}”应为整数")
    result = int(number)
    if minimum is not None and result < minimum:
        raise CellError(f"不能小于 {minimum}")
    return result


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
_FALSE = {"否", "n", "no", "false", "0", "", "无"}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = normalize_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"“{text}”应填“是”或“否”")


def parse_name(value: Any) -> str:
    """A name as typed, in NFC, with its spaces trimmed; invisible and direction-changing characters
    (zero-width spaces, bidi overrides, soft hyphens — Unicode's format and control categories) are refused:
    two names that look the same must be the same."""
    text = unicodedata.normalize("NFC", str(value)).strip()
    for ch in text:
        if unicodedata.category(ch) in ("Cf", "Cc") and ch not in "\t\n":
            raise CellError(f"含有不可见或改变文字方向的字符（U+{ord(ch):04X}），请删除后重新填写")
    return " ".join(text.split())


def parse_prose(value: Any) -> str:
    """Free text (minutes, findings) as typed, in NFC: Chinese full-width punctuation and line breaks kept,
    so a ledger exported and imported back reads the same."""
    return unicodedata.normalize("NFC", str(value)).strip()


def parse_list(value: Any) -> list[str]:
    """Items separated by 、，, ; ； or newlines."""
    text = normalize_text(value)
    return [p.strip() for p in re.split(r"[、,，;；\n]+", text) if p.strip()]

"""Reading import files row by row, with errors that name the row, the column and the reason.

The one reader of every import: `.xlsx`, `.xls` and `.ods` through python-calamine (a Rust reader, about ten
times faster than openpyxl's read-only mode; see bench/README.md), CSV through the `csv` module (UTF-8,
with or without a byte-order mark, else GB18030, a superset of the GBK that Excel writes on a Chinese
Windows). No Django. The kind of file is told by its bytes, never by its name.

Calamine sees values only, so before it runs one pass over the zip parts of an .xlsx or .ods (`zipfile`)
refuses a file too large or a zip bomb and finds the first sheet's formula cells, which are refused by row
and column. An .xls holds no zip: its formulas are read as the values Excel last computed, and the report
says so.

A template is a list of `Field`s; `read_sheet` maps the header row to fields by their Chinese header, then
yields each data row as {field key: raw value} together with its row number (the header is row 1). The
parsers of `nuanqi.lib.cells` turn raw cell values into Python values or raise `CellError` with a Chinese
reason. Every refusal is in Chinese, with no library's English inside.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

import python_calamine
from openpyxl.utils import column_index_from_string, get_column_letter

from nuanqi.lib.cells import CellError, normalize_text, parse_name
from nuanqi.lib.numbers import TextError, check_text


@dataclass(frozen=True)
class RowError:
    row: int  # the Excel row number (the header is row 1)
    column: str  # the column's header
    reason: str

    def __str__(self) -> str:
        return f"第 {self.row} 行，“{self.column}”列：{self.reason}"


@dataclass(frozen=True)
class Field:
    key: str
    header: str
    required: bool = False
    example: Any = ""
    help: str = ""
    aliases: tuple[str, ...] = ()
    max_length: int | None = None  # of the column the text goes into
    text_only: bool = False  # an identifier (信用代码, phone, account): a number cell has lost digits already
    is_name: bool = False  # a name: NFC (never NFKC: it would turn a company's full-width （） into ()), and
    # no invisible or direction-changing characters


@dataclass
class ImportReport:
    """What an import did: `applied` rows when `errors` is empty, else nothing and every error."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    matches: int | None = None  # policy matches after the import, when it recomputed them
    notes: list[str] = field(default_factory=list)  # what the reader wants the person to know (.xls formulas)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row: int, column: str, reason: str) -> None:
        self.errors.append(RowError(row, column, reason))

    def summary(self) -> str:
        if self.errors:
            return f"导入失败：{self.rows} 行中有 {len(self.errors)} 处错误，未导入任何数据"
        text = f"导入成功：共 {self.rows} 行，新增 {self.created} 条，更新 {self.updated} 条"
        if self.matches is not None:
            text = f"{text}；已重新匹配惠企政策，共 {self.matches} 条匹配"
        return "；".join([text, *self.notes])


class TemplateError(ValueError):
    """The file is not a usable template (not a spreadsheet, missing required columns, no sheet)."""


FORMATS = "Excel（.xlsx、.xls）、WPS/LibreOffice（.ods）或 CSV"
NOT_A_SHEET = f"无法识别的文件：导入文件须为 {FORMATS} 表格"
XLS_NOTE = ".xls 文件中的公式按 Excel 上次计算保存的结果读取（未重新计算），请核对相关数值"


class Formula:
    """A cell holding a formula: the reader sees only its last computed value (or none), so it is refused."""

    def __init__(self, ref: str) -> None:
        self.ref = ref


@dataclass(frozen=True)
class Limits:
    """What an import reads at most: the file, its parts unzipped, its data rows."""

    max_bytes: int = 10 * 1024 * 1024
    max_unzipped: int = 200 * 1024 * 1024
    max_ratio: int = 100  # unzipped / zipped beyond 10 MB: an ordinary workbook is 5–20× compressed
    max_rows: int = 100_000


# ---------------------------------------------------------------- reading


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _read_capped(zf: zipfile.ZipFile, name: str, cap: int = 4 << 20) -> bytes:
    """A small part read before the size pass: never more than `cap` bytes, whatever it claims."""
    with zf.open(name) as part:
        data = part.read(cap + 1)
    if len(data) > cap:
        raise TemplateError("文件解压后过大或压缩比异常，拒绝读取（请另存为普通的表格文件后再导入）")
    return data


def _first_sheet(zf: zipfile.ZipFile) -> str | None:
    """The zip path of the workbook's first sheet (the one read_sheet reads), from workbook.xml and rels."""
    try:
        book = ElementTree.fromstring(_read_capped(zf, "xl/workbook.xml"))
        rels = ElementTree.fromstring(_read_capped(zf, "xl/_rels/workbook.xml.rels"))
    except (
        KeyError,
        ElementTree.ParseError,
        zipfile.BadZipFile,
        OSError,
        EOFError,
        RuntimeError,
        ValueError,
    ):
        return None
    first = book.find(f"{_MAIN}sheets/{_MAIN}sheet")
    if first is None:
        return None
    rid = first.get(_DOC_REL)
    for rel in rels.iter(f"{_RELS}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_CELLS = (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell")


_XLSX_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_ODS_FORMULA = re.compile(rb":formula\s*=")


def _ods_formulas(zf: zipfile.ZipFile) -> set[tuple[int, int]]:
    """The formula cells of an .ods file's first table, as (row from 1, column index from 0)."""
    formulas: set[tuple[int, int]] = set()
    if "content.xml" not in zf.namelist():
        raise TemplateError("无法读取 .ods 文件（缺少内容部分，文件已损坏）")
    row = 0
    col = 0
    tables = 0
    with zf.open("content.xml") as part:
        try:
            for event, elem in ElementTree.iterparse(part, events=("start", "end")):
                tag = elem.tag
                if event == "start":
                    if tag == f"{_ODS_TABLE}table":
                        tables += 1
                    elif tables == 1 and tag == f"{_ODS_TABLE}table-row":
                        row += 1
                        col = 0
                    elif (
                        tables == 1
                        and tag
                        in (
                            f"{_ODS_TABLE}table-cell",
                            f"{_ODS_TABLE}covered-table-cell",
                        )
                        and elem.get(f"{_ODS_TABLE}formula") is not None
                    ):
                        formulas.add((row, col))
                    continue
                if tables == 1 and tag == f"{_ODS_TABLE}table-row":
                    row += int(elem.get(f"{_ODS_TABLE}number-rows-repeated", "1") or 1) - 1
                elif tables == 1 and tag in _ODS_CELLS:
                    col += int(elem.get(f"{_ODS_TABLE}number-columns-repeated", "1") or 1)
                elif tag == f"{_ODS_TABLE}table" and tables == 1:
                    break
                elem.clear()
        except (ElementTree.ParseError, ValueError):
            raise TemplateError("无法读取 .ods 文件（工作表已损坏）") from None
    return formulas


def _size(source: str | Path | IO[bytes]) -> int:
    if isinstance(source, (str, Path)):
        return Path(source).stat().st_size
    source.seek(0, 2)
    size = source.tell()
    source.seek(0)
    return size


def _check_size(size: int, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise TemplateError(
            f"文件过大（{size / 1048576:.1f} MB），导入文件不能超过 {limits.max_bytes // 1048576} MB"
        )


def scan_workbook(source: str | Path | IO[bytes], limits: Limits) -> set[tuple[int, int]]:
    """One pass over the zip (.xlsx or .ods) before the reader runs: refuse a file too large, or whose parts
    inflate beyond the limits (a zip bomb: a few hundred KB that unzip to gigabytes), and find the first
    sheet's formula cells — (row, column index from 0). Reads at most `limits.max_unzipped` bytes, whatever
    the headers claim."""
    size = _size(source)
    _check_size(size, limits)
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise TemplateError("无法读取表格文件（压缩包已损坏或不完整）") from None
    bomb = TemplateError("文件解压后过大或压缩比异常，拒绝读取（请另存为普通的表格文件后再导入）")
    with zf:
        ods = _is_ods(zf)
        # The part that holds the first sheet's cells: searched for formula markers in the same pass.
        watched = "content.xml" if ods else _first_sheet(zf)
        marker = _ODS_FORMULA if ods else _XLSX_FORMULA
        has_formula = False
        total = 0
        for info in zf.infolist():
            search = info.filename == watched
            tail = b""
            try:
                with zf.open(info) as part:
                    while chunk := part.read(1 << 20):
                        total += len(chunk)
                        if total > limits.max_unzipped:
                            raise bomb
                        if search and not has_formula:
                            has_formula = marker.search(tail + chunk) is not None
                            tail = chunk[-64:]
            except TemplateError:
                raise
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
                # RuntimeError: an encrypted part; NotImplementedError: a compression zipfile cannot read.
                raise TemplateError("无法读取表格文件（文件已损坏或已加密）") from None
        if total > 10 * 1048576 and total > limits.max_ratio * max(size, 1):
            raise bomb
        if ods:
            found = _ods_formulas(zf) if has_formula or "content.xml" not in zf.namelist() else set()
            if not isinstance(source, (str, Path)):
                source.seek(0)
            return found
        if "xl/workbook.xml" not in zf.namelist():
            raise TemplateError(NOT_A_SHEET)
        name = watched
        formulas: set[tuple[int, int]] = set()
        if name is None or name not in zf.namelist() or not has_formula:
            # No formula element at all (nearly every file): no need to parse the sheet's XML here.
            if not isinstance(source, (str, Path)):
                source.seek(0)
            return formulas
        with zf.open(name) as sheet:
            try:
                for _event, elem in ElementTree.iterparse(sheet):
                    if elem.tag == f"{_MAIN}c":
                        if elem.find(f"{_MAIN}f") is not None:
                            ref = elem.get("r", "")
                            m = re.fullmatch(r"([A-Z]+)([0-9]+)", ref)
                            if m:
                                formulas.add((int(m.group(2)), column_index_from_string(m.group(1)) - 1))
                        elem.clear()
            except ElementTree.ParseError:
                raise TemplateError("无法读取 Excel 文件（工作表已损坏）") from None
            except (zipfile.BadZipFile, OSError, EOFError):
                raise TemplateError("无法读取 Excel 文件（文件已损坏）") from None
    if not isinstance(source, (str, Path)):
        source.seek(0)
    return formulas


def _is_ods(zf: zipfile.ZipFile) -> bool:
    try:
        return zf.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet"
    except KeyError:
        return False


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file that holds an .xls workbook
_ZIP = b"PK\x03\x04"


def _head(source: str | Path | IO[bytes], n: int = 8) -> bytes:
    if isinstance(source, (str, Path)):
        with open(source, "rb") as f:
            return f.read(n)
    source.seek(0)
    head = source.read(n)
    source.seek(0)
    return head


def _bytes(source: str | Path | IO[bytes]) -> bytes:
    if isinstance(source, (str, Path)):
        return Path(source).read_bytes()
    source.seek(0)
    data = source.read()
    source.seek(0)
    return data


def _cell(value: Any) -> Any:
    """A calamine value as the parsers take it: empty text is no value, an integral float an int."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _calamine_rows(source: str | Path | IO[bytes]) -> list[list[Any]]:
    try:
        if isinstance(source, (str, Path)):
            book = python_calamine.CalamineWorkbook.from_path(str(source))
        else:
            source.seek(0)
            book = python_calamine.CalamineWorkbook.from_filelike(source)
        try:
            if not book.sheet_names:
                raise TemplateError("文件中没有工作表")
            sheet = book.get_sheet_by_index(0)
            rows = sheet.to_python(skip_empty_area=False)
        finally:
            close = getattr(book, "close", None)
            if close is not None:
                close()
    except TemplateError:
        raise
    except python_calamine.PasswordError:
        raise TemplateError("文件设有打开密码，请取消密码后再导入") from None
    except Exception:  # calamine's own errors (English) never reach the person importing
        raise TemplateError(
            "无法读取表格文件（文件已损坏，或不是它看起来的格式），请用 Excel 或 WPS 另存后再导入"
        ) from None
    return [[_cell(v) for v in row] for row in rows]


def _csv_rows(data: bytes) -> list[list[Any]]:
    """A CSV file's rows: UTF-8 (with or without a byte-order mark), else GB18030 (GBK's superset)."""
    if b"\x00" in data:
        raise TemplateError(NOT_A_SHEET)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TemplateError("CSV 文件的编码无法识别：请另存为“CSV UTF-8”或 GBK 编码后再导入")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[v if v.strip() else None for v in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error:
        raise TemplateError(
            "CSV 文件格式有误（引号不成对或一行过长），请用 Excel 或 WPS 另存后再导入"
        ) from None


def read_sheet(
    source: str | Path | IO[bytes],
    fields: Sequence[Field],
    limits: Limits | None = None,
    *,
    notes: list[str] | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (row number, {key: raw value}) for each non-empty data row of the first sheet; a formula cell's
    value is a `Formula`. What the person should know about how the file was read (an .xls's formulas) is
    appended to `notes`.

    Raises TemplateError when the file is too large or a zip bomb, cannot be opened, has more data rows than
    the limit, or a required column is missing."""
    limits = limits or Limits()
    head = _head(source)
    formulas: set[tuple[int, int]] = set()
    if head.startswith(_ZIP):
        formulas = scan_workbook(source, limits)
        table = _calamine_rows(source)
    elif head.startswith(_OLE2):
        _check_size(_size(source), limits)
        table = _calamine_rows(source)
        if notes is not None and XLS_NOTE not in notes:
            notes.append(XLS_NOTE)
    else:
        _check_size(_size(source), limits)
        if not head:
            raise TemplateError("无法读取：文件是空的（0 字节）")
        suffix = Path(str(source if isinstance(source, (str, Path)) else getattr(source, "name", ""))).suffix
        if suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
            raise TemplateError(
                f"无法读取表格文件：文件名是 {suffix}，内容却不是表格（文件已损坏，或改过扩展名）"
            )
        table = _csv_rows(_bytes(source))
    # Rows that hold only a formula without a stored value are absent from calamine's table.
    last = max([len(table), *(r for r, _c in formulas)])
    table += [[] for _ in range(last - len(table))]
    if not table:
        raise TemplateError("文件是空的：第 1 行应为表头")
    header = table[0]
    if all(h is None for h in header):
        raise TemplateError("第 1 行应为表头（列名），但该行是空的（请使用系统提供的导入模板）")
    names = [normalize_text(h).rstrip("*") for h in header]
    index: dict[str, int] = {}
    for f in fields:
        for label in (f.header, *f.aliases):
            if label in names:
                index[f.key] = names.index(label)
                break
    missing = [f.header for f in fields if f.required and f.key not in index]
    if missing:
        raise TemplateError(f"缺少必填列：{'、'.join(missing)}（请使用系统提供的导入模板）")
    positions = list(index.items())
    count = 0
    for number, values in enumerate(table[1:], start=2):
        blank = all(v is None or (isinstance(v, str) and not v.strip()) for v in values)
        if blank and not any((number, pos) in formulas for _key, pos in positions):
            continue
        count += 1
        if count > limits.max_rows:
            raise TemplateError(f"数据行超过 {limits.max_rows} 行，请分成几个文件导入")
        yield (
            number,
            {
                key: Formula(f"{get_column_letter(pos + 1)}{number}")
                if (number, pos) in formulas
                else (values[pos] if pos < len(values) else None)
                for key, pos in positions
            },
        )


def _checked(value: Any, max_length: int | None) -> Any:
    """A parsed cell's text (or list of texts) as a column can hold it."""
    if isinstance(value, str):
        return check_text(value, max_length=max_length)
    if isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                check_text(item, max_length=max_length)
    return value


def check_row(
    report: ImportReport,
    number: int,
    raw: dict[str, Any],
    fields: Sequence[Field],
    parsers: dict[str, Callable[[Any], Any]],
) -> dict[str, Any] | None:
    """Parse one row's cells, reporting every bad cell. The parsed row, or None if any cell failed."""
    out: dict[str, Any] = {}
    ok = True
    for f in fields:
        value = raw.get(f.key)
        if isinstance(value, Formula):
            report.add(number, f.header, f"单元格 {value.ref} 是公式，请复制后“选择性粘贴为数值”再导入")
            ok = False
            continue
        empty = value is None or (isinstance(value, str) and not normalize_text(value))
        if empty:
            if f.required:
                report.add(number, f.header, "必填")
                ok = False
            out[f.key] = None
            continue
        if f.text_only and isinstance(value, (int, float)) and not isinstance(value, bool):
            # Excel keeps 15 significant digits: an 18-character code typed into a number cell has lost its
            # tail, and guessing it back would name someone else.
            report.add(
                number, f.header, f"“{normalize_text(value)}”是数字单元格，请将该列设为文本格式后重新填写"
            )
            ok = False
            continue
        parser = parsers.get(f.key, parse_name if f.is_name else normalize_text)
        try:
            out[f.key] = _checked(parser(value), f.max_length)
        except (CellError, TextError) as exc:
            report.add(number, f.header, str(exc))
            ok = False
    return out if ok else None

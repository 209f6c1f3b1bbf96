"""The one registry of Excel import kinds: `nuanqi import template KIND`, `nuanqi import KIND FILE` and the
/imports/ page list what is registered here, whichever module brings it.

A module registers its kinds from its `AppConfig.ready()`; this floor knows nothing of them (nor of cases or
accounts): a kind is its key, its Chinese label, and two callables — one writing the template, one running
the import (validate every row; apply all or nothing; return an `ImportReport`). The runner checks who may
import (`actor` is None on the command line, where whoever runs it operates the server).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.db import transaction

from .excel_import import Field, ImportReport, Limits, TemplateError, read_sheet

Target = Any  # a path or a binary file object
Source = Any


@dataclass(frozen=True)
class ImportKind:
    key: str  # the command-line word and the page's value: companies, cases, points …
    label: str  # 企业、历史事项 … (the template's file name and the page's choice)
    write_template: Callable[[Target], object]
    run: Callable[..., ImportReport]  # run(source, *, actor) -> ImportReport
    order: int = 100  # the place in the page's list and in `--help`
    help: str = ""


_KINDS: dict[str, ImportKind] = {}


def register_import(kind: ImportKind) -> ImportKind:
    """Add a kind; registering the same key twice is a programming error unless it is the same kind (a
    module's `ready()` may run twice in tests)."""
    existing = _KINDS.get(kind.key)
    if existing is not None and existing.label != kind.label:
        raise ValueError(f"import kind {kind.key!r} is already registered")
    _KINDS[kind.key] = kind
    return kind


def import_kinds() -> list[ImportKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.key))


def get_import(key: str) -> ImportKind | None:
    return _KINDS.get(key)


def template_bytes(kind: ImportKind) -> IO[bytes]:
    import io

    buffer = io.BytesIO()
    kind.write_template(buffer)
    buffer.seek(0)
    return buffer


# ---------------------------------------------------------------- what every import kind does the same way


def configured_limits() -> Limits:
    """The reader's limits from the settings: `NUANQI_IMPORT_MAX_MB` for the file (twenty times that for its
    parts unzipped) and `NUANQI_IMPORT_MAX_ROWS` data rows."""
    mb = settings.NUANQI_IMPORT_MAX_MB * 1024 * 1024
    return Limits(max_bytes=mb, max_unzipped=mb * 20, max_rows=settings.NUANQI_IMPORT_MAX_ROWS)


def read_rows(
    source: Source, fields: Sequence[Field], report: ImportReport
) -> list[tuple[int, dict[str, Any]]]:
    """The file's data rows as (row number, {field key: raw value}) under `configured_limits()`; sets
    `report.rows` and adds the reader's notes (an .xls formula's stored value) to the report.

    Raises `TemplateError` for a file with a header and no data row, and whatever `read_sheet` raises for a
    file that is not a usable template (too large, not a spreadsheet, missing columns, too many rows)."""
    rows = list(read_sheet(source, fields, configured_limits(), notes=report.notes))
    if not rows:
        raise TemplateError("文件只有表头，没有数据行")
    report.rows = len(rows)
    return rows


@contextmanager
def all_or_nothing(report: ImportReport) -> Iterator[None]:
    """One transaction for the rows an import files: if any row is refused inside it (an error added to
    `report`), every row filed before is rolled back and the report counts nothing created or updated."""
    with transaction.atomic():
        yield
        if not report.ok:
            report.created = report.updated = 0
            transaction.set_rollback(True)

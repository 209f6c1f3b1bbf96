"""The research visits list as a ledger (调研台账) and back: the export lists the visits the viewer sees on
a programme's page; the import records new visits and updates known ones (same programme, date and topic)
from the same columns, all rows or none."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from nuanqi.accounts.models import Role, Unit
from nuanqi.cases.errors import CaseError, Forbidden
from nuanqi.lib.cells import normalize_text, parse_date, parse_prose
from nuanqi.lib.excel import Column, write_ledger
from nuanqi.lib.excel_import import Field, Formula, ImportReport, check_row
from nuanqi.lib.excel_template import import_template
from nuanqi.lib.importkinds import all_or_nothing, read_rows

from .models import Programme
from .visits import save_visit

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

FIELDS = (
    Field("programme", "项目群", max_length=100, help="系统中项目群的名称；留空为不属于项目群的调研"),
    Field("visited_on", "调研日期", required=True, example="2023-05-18"),
    Field("title", "调研主题", required=True, max_length=200, is_name=True, example="东海百里文廊建设调研"),
    Field("organiser", "组织单位", required=True, max_length=100, help="系统中单位的全称或简称"),
    Field("visitors", "参加人员", max_length=500),
    Field("findings", "调研情况", max_length=8000),
)

COLUMNS = (
    Column("项目群", 24),
    Column("调研日期", 12),
    Column("调研主题", 40),
    Column("组织单位", 24),
    Column("参加人员", 30),
    Column("调研情况", 60),
)

_HEADERS = {f.key: f.header for f in FIELDS}
_PARSERS: dict[str, Any] = {"visited_on": parse_date, "visitors": parse_prose, "findings": parse_prose}


def _text(value: Any) -> str:
    return "" if isinstance(value, Formula) else normalize_text(value)


def export_rows(visits: Any) -> Iterator[list[Any]]:
    for v in visits.select_related("programme", "organiser"):
        yield [
            v.programme.name if v.programme else "",
            v.visited_on,
            v.title,
            v.organiser.name,
            v.visitors,
            v.findings,
        ]


def write_export(target: IO[bytes], visits: Any, programme: Programme) -> int:
    """The visits of one programme the viewer sees (the programme's page is the list), the programme named
    on the 说明 sheet."""
    return write_ledger(
        target,
        COLUMNS,
        export_rows(visits),
        title="调研台账",
        notes=[("项目群", programme.name)],
    )


def write_template(target: IO[bytes]) -> None:
    units = list(Unit.objects.filter(active=True).order_by("name").values_list("name", flat=True))
    programmes = list(Programme.objects.order_by("name").values_list("name", flat=True))
    wb = import_template(
        "调研",
        FIELDS,
        choices={"programme": programmes, "organiser": units},
        examples={
            "programme": "东海百里文廊",
            "organiser": "营商办",
            "visitors": "区营商办、区文广旅体局",
            "findings": "部分点位进度滞后，建议加快要素保障",
        },
    )
    wb.save(target)


def _unit(name: str) -> Unit | None:
    return Unit.objects.filter(name=name).first() or Unit.objects.filter(short_name=name).first()


def run_import(source: Any, *, actor: User | None) -> ImportReport:
    """Check every row; record all of them in one transaction only if none is bad."""
    if actor is not None and not actor.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Forbidden("只有营商办可以导入调研台账")
    report = ImportReport("visits")
    rows = read_rows(source, FIELDS, report)
    parsed: list[tuple[int, dict[str, Any], Programme | None, Unit]] = []
    for number, raw in rows:
        row = check_row(report, number, raw, FIELDS, _PARSERS)
        # The names are looked up even when another cell is bad, so that every bad cell is reported at once.
        programme_name, unit_name = _text(raw.get("programme")), _text(raw.get("organiser"))
        programme = Programme.objects.filter(name=programme_name).first() if programme_name else None
        if programme_name and programme is None:
            report.add(number, "项目群", f"找不到项目群“{programme_name}”")
        unit = _unit(unit_name) if unit_name else None
        if unit_name and unit is None:
            report.add(number, "组织单位", f"找不到单位“{unit_name}”")
        if row is not None and unit is not None:
            parsed.append((number, row, programme, unit))
    if not report.ok:
        return report
    with all_or_nothing(report):
        for number, row, programme, unit in parsed:
            try:
                _visit, created = save_visit(
                    programme=programme,
                    title=row["title"],
                    visited_on=row["visited_on"],
                    organiser=unit,
                    visitors=row.get("visitors") or "",
                    findings=row.get("findings") or "",
                    actor=actor,
                )
            except CaseError as exc:
                report.add(number, _HEADERS.get(exc.field or "", "调研主题"), exc.message)
            else:
                if created:
                    report.created += 1
                else:
                    report.updated += 1
    return report

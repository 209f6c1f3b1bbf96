"""The project ledger imported back: new projects created and known ones (by name) updated from the same
columns the export writes, all rows or none."""

from __future__ import annotations

from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from nuanqi.accounts.models import Role, Unit, UnitKind
from nuanqi.cases.errors import Forbidden
from nuanqi.lib.cells import CellError, parse_date, parse_decimal
from nuanqi.lib.excel_import import Field, ImportReport, check_row
from nuanqi.lib.excel_template import import_template
from nuanqi.lib.importkinds import all_or_nothing, read_rows

from .models import Programme, Project, ProjectKind

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

FIELDS = (
    Field("name", "项目名称", required=True, max_length=200, example="白泉镇鸭东线老碶头1号桥扩建工程"),
    Field("kind", "类型", required=True, help="民生实事、重点工程、项目群分段或景观点位"),
    Field("programme", "项目群", max_length=100),
    Field("parent", "上级", max_length=200, help="所属分段的项目名称"),
    Field("theme", "主题", max_length=100),
    Field("town", "镇街", max_length=100),
    Field("owner_unit", "责任单位", required=True, max_length=100),
    Field("owner_name", "建设主体", max_length=200),
    Field("investment_planned", "计划投资（万元）", aliases=("计划投资(万元)",)),
    Field("start", "计划开工"),
    Field("planned_end", "计划完工"),
)

_KINDS = {str(label): code for code, label in ProjectKind.choices}


def _kind(value: Any) -> str:
    text = str(value or "").strip()
    if text in _KINDS:
        return _KINDS[text]
    if text in ProjectKind.values:
        return text
    raise CellError(f"类型“{text}”无效，可选：{'、'.join(_KINDS)}")


def _money(value: Any) -> Any:
    amount = parse_decimal(value, minimum=Decimal(0))
    if amount >= Decimal("1e12"):
        raise CellError("计划投资过大（单位为万元）")
    return amount.quantize(Decimal("0.01"))


PARSERS: dict[str, Any] = {
    "kind": _kind,
    "investment_planned": _money,
    "start": parse_date,
    "planned_end": parse_date,
}


def write_template(target: IO[bytes]) -> None:
    """Headers only on the data sheet, dropdowns for the type, town and unit, and a 填写说明 sheet with an
    example row."""
    units = list(Unit.objects.filter(active=True).order_by("name").values_list("name", flat=True))
    towns = list(
        Unit.objects.filter(kind=UnitKind.TOWN, active=True).order_by("name").values_list("name", flat=True)
    )
    wb = import_template(
        "项目",
        FIELDS,
        choices={"kind": list(_KINDS), "town": towns, "owner_unit": units},
        examples={
            "kind": next(iter(_KINDS)),
            "town": "白泉镇",
            "owner_unit": "白泉镇",
            "owner_name": "白泉镇人民政府",
            "investment_planned": 380,
            "start": "2023-03-01",
            "planned_end": "2023-10-31",
        },
    )
    wb.save(target)


def _unit(name: str | None) -> Unit | None:
    if not name:
        return None
    return Unit.objects.filter(name=name).first() or Unit.objects.filter(short_name=name).first()


def run_import(source: Any, *, actor: User | None) -> ImportReport:
    """Validate every row; create or update all of them in one transaction only if none is bad."""
    # None is the command line: whoever runs `nuanqi import projects` operates the server.
    if actor is not None and not actor.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Forbidden("只有管理员可以导入项目台账")
    report = ImportReport("projects")
    rows = read_rows(source, FIELDS, report)
    with all_or_nothing(report):
        made: dict[str, Project] = {}
        for number, raw in rows:
            row = check_row(report, number, raw, FIELDS, PARSERS)
            if row is None:
                continue
            owner, town = _unit(row["owner_unit"]), _unit(row.get("town"))
            if owner is None:
                report.add(number, "责任单位", f"找不到单位“{row['owner_unit']}”")
            if row.get("town") and town is None:
                report.add(number, "镇街", f"找不到镇街“{row['town']}”")
            programme = None
            if row.get("programme"):
                programme, _new = Programme.objects.get_or_create(name=row["programme"])
            parent = None
            if row.get("parent"):
                parent = made.get(row["parent"]) or Project.objects.filter(name=row["parent"]).first()
                if parent is None:
                    report.add(number, "上级", f"找不到上级项目“{row['parent']}”（须在本行之前或已在系统中）")
            if row.get("start") and row.get("planned_end") and row["planned_end"] <= row["start"]:
                report.add(number, "计划完工", "计划完工须晚于计划开工")
            if not report.ok or owner is None:
                continue
            values = {
                "kind": row["kind"],
                "programme": programme,
                "parent": parent,
                "theme": row.get("theme") or "",
                "town": town,
                "owner_unit": owner,
                "owner_name": row.get("owner_name") or "",
                "start": row.get("start"),
                "planned_end": row.get("planned_end"),
            }
            if row.get("investment_planned") is not None:
                values["investment_planned"] = row["investment_planned"]
            project = Project.objects.filter(name=row["name"]).first()
            if project is None:
                project = Project.objects.create(name=row["name"], **values)
                report.created += 1
            else:
                for k, v in values.items():
                    setattr(project, k, v)
                project.save()
                report.updated += 1
            made[project.name] = project
    return report

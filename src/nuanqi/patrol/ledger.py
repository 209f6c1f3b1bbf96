"""Points (点位) as a ledger: export to .xlsx and import from the same template, all or nothing.

The export's columns are the import's, so a ledger goes out, is edited in Excel and comes back. A row is
matched to an existing point by 镇街 + 名称 (updated) or makes a new one. Coordinates are stored in WGS-84; a
row whose 坐标系 says GCJ-02 (copied from Amap or Tencent maps) is converted on the way in by `geo`."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.db import transaction

from nuanqi.accounts.models import Role, Unit, UnitKind, User
from nuanqi.cases.errors import Forbidden
from nuanqi.lib.cells import CellError, normalize_text, parse_bool, parse_decimal
from nuanqi.lib.excel import openpyxl_text
from nuanqi.lib.excel_import import Field, ImportReport, check_row
from nuanqi.lib.excel_template import YES_NO, import_template
from nuanqi.lib.importkinds import read_rows

from .geo import gcj02_to_wgs84
from .models import Point, PointType

FIELDS = (
    Field("name", "名称", True, max_length=100, is_name=True),
    Field("point_type", "点位类型", True, help="居民小区、农贸市场、主次干道 …（须已在后台建立）"),
    Field("town", "镇街", True, help="本区镇（街道）全称"),
    Field("community", "社区", max_length=60),
    Field("address", "地址", max_length=200),
    Field("latitude", "纬度", help="十进制度，如 30.0031"),
    Field("longitude", "经度", help="十进制度，如 122.1122"),
    Field("datum", "坐标系", help="WGS-84（手机定位、GPS，默认）或 GCJ-02（高德、腾讯地图拾取）"),
    Field("leader", "点位长账号", True, help="点位长的登录名", text_only=True),
    Field("responsible_unit", "责任单位", True, help="单位全称"),
    Field("active", "启用", help="是 / 否，默认是"),
)
HEADERS = [f.header for f in FIELDS]


def _may(actor: User | None) -> None:
    # None is the command line: whoever runs it operates the server.
    if actor is not None and not actor.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Forbidden("只有营商办工作人员可以导入、导出点位台账")


def _row(p: Point) -> list[Any]:
    return [
        p.name,
        p.point_type.name,
        p.town.name,
        p.community,
        p.address,
        float(p.latitude) if p.latitude is not None else None,
        float(p.longitude) if p.longitude is not None else None,
        "WGS-84",
        p.leader.username,
        p.responsible_unit.name,
        "是" if p.active else "否",
    ]


def write_points(target: str | Path | IO[bytes], rows: Iterable[Point] | None = None) -> int:
    """The template (no rows) or the ledger: the data sheet with Chinese headers (required ones marked *),
    each explained in a comment, identifiers typed as text, enumerated columns as dropdowns; and a 填写说明
    sheet with an example row."""
    units = list(Unit.objects.filter(active=True).order_by("name").values_list("name", flat=True))
    towns = list(
        Unit.objects.filter(kind=UnitKind.TOWN, active=True).order_by("name").values_list("name", flat=True)
    )
    wb = import_template(
        "点位台账",
        FIELDS,
        choices={
            "point_type": list(PointType.objects.order_by("name").values_list("name", flat=True)),
            "town": towns,
            "datum": ["WGS-84", "GCJ-02"],
            "responsible_unit": units,
            "active": list(YES_NO),
        },
        examples={
            "name": "白泉镇某某农贸市场",
            "point_type": "农贸市场",
            "town": "白泉镇",
            "community": "某某社区",
            "address": "白泉镇某某路 1 号",
            "latitude": "30.0642",
            "longitude": "122.1325",
            "datum": "WGS-84",
            "leader": "zhang_dz",
            "responsible_unit": "白泉镇",
            "active": "是",
        },
    )
    ws = wb.worksheets[0]
    n = 0
    for p in rows or ():
        n += 1
        for col, value in enumerate(_row(p), start=1):
            cell = ws.cell(row=n + 1, column=col)
            if isinstance(value, float) or value is None:
                cell.value = value  # coordinates stay numbers
            else:
                openpyxl_text(cell, value)  # every text through the one cell writer: never a formula
    ws.freeze_panes = "A2"
    wb.save(target)
    return n


def export_points(target: str | Path | IO[bytes], *, actor: User | None = None) -> int:
    _may(actor)
    points = Point.objects.select_related("point_type", "town", "leader", "responsible_unit").order_by(
        "town__name", "name"
    )
    return write_points(target, points)


def _lookup(mapping: dict[str, Any], what: str) -> Any:
    def parse(value: Any) -> Any:
        text = normalize_text(value)
        if text not in mapping:
            raise CellError(f"找不到{what}“{text}”")
        return mapping[text]

    return parse


def _datum(value: Any) -> str:
    text = normalize_text(value).upper().replace(" ", "")
    if text in ("", "WGS84", "WGS-84", "GPS"):
        return "wgs84"
    if text in ("GCJ02", "GCJ-02", "火星坐标"):
        return "gcj02"
    raise CellError("坐标系须为 WGS-84 或 GCJ-02")


def _coordinate(bound: int) -> Any:
    def parse(value: Any) -> Decimal:
        d = parse_decimal(value)
        if not -bound <= d <= bound:
            raise CellError(f"应在 -{bound} 至 {bound} 之间")
        return d

    return parse


def import_points(source: str | Path | IO[bytes], *, actor: User | None = None) -> ImportReport:
    """Check every row; write them all in one transaction only if none is bad."""
    _may(actor)
    report = ImportReport("points")
    rows = read_rows(source, FIELDS, report)
    units = {u.name: u for u in Unit.objects.all()}
    parsers = {
        "point_type": _lookup({t.name: t for t in PointType.objects.all()}, "点位类型"),
        "town": _lookup(units, "镇街"),
        "responsible_unit": _lookup(units, "单位"),
        "leader": _lookup({u.username: u for u in User.objects.filter(is_active=True)}, "在用账号"),
        "latitude": _coordinate(90),
        "longitude": _coordinate(180),
        "datum": _datum,
        "active": parse_bool,
    }
    good = []
    seen: dict[tuple[int, str], int] = {}
    for number, raw in rows:
        r = check_row(report, number, raw, FIELDS, parsers)
        if r is None:
            continue
        if (r["latitude"] is None) != (r["longitude"] is None):
            report.add(number, "纬度", "纬度和经度须同时填写")
            continue
        key = (r["town"].pk, r["name"])
        if key in seen:
            report.add(number, "名称", f"与第 {seen[key]} 行是同一镇街的同名点位")
            continue
        seen[key] = number
        good.append(r)
    if report.errors:
        return report
    existing = {(p.town_id, p.name): p for p in Point.objects.all()}
    with transaction.atomic():
        for r in good:
            lat, lon = r["latitude"], r["longitude"]
            if lat is not None and r["datum"] == "gcj02":
                w_lat, w_lon = gcj02_to_wgs84(float(lat), float(lon))
                lat, lon = Decimal(f"{w_lat:.6f}"), Decimal(f"{w_lon:.6f}")
            values = {
                "point_type": r["point_type"],
                "community": r["community"] or "",
                "address": r["address"] or "",
                "latitude": lat.quantize(Decimal("0.000001")) if lat is not None else None,
                "longitude": lon.quantize(Decimal("0.000001")) if lon is not None else None,
                "leader": r["leader"],
                "responsible_unit": r["responsible_unit"],
                "active": True if r["active"] is None else bool(r["active"]),
            }
            point = existing.get((r["town"].pk, r["name"]))
            if point is None:
                Point.objects.create(name=r["name"], town=r["town"], **values)
                report.created += 1
            else:
                for k, v in values.items():
                    setattr(point, k, v)
                point.save()
                report.updated += 1
    return report

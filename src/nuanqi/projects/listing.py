"""The project list's filters, rows and ledger (台账), shared by the page and the API."""

from __future__ import annotations

from typing import IO, Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from nuanqi.lib.excel import Column, write_ledger

from .models import Project, ProjectKind
from .services import project_progress, thresholds


def filtered(projects: QuerySet[Project], filters: dict[str, str]) -> QuerySet[Project]:
    """Leaf projects (not programme sections) matching `q` (name, theme, owner), `kind` and `town` (name).
    `status` (a light: green, yellow, red, done, paused) is applied by `rows_for`: lights are computed, not
    stored. `programme` (an id) gives that programme's whole tree instead, sections first, so that its
    ledger imports back as the same tree."""
    programme = str(filters.get("programme") or "")
    if programme.isdigit() and len(programme) < 19:
        qs = projects.filter(programme_id=int(programme)).select_related(
            "town", "owner_unit", "programme", "parent"
        )
    else:
        qs = projects.exclude(kind=ProjectKind.SECTION).select_related(
            "town", "owner_unit", "programme", "parent"
        )
    qs = qs.prefetch_related("stoppages")
    if filters.get("q"):
        q = filters["q"]
        qs = qs.filter(Q(name__icontains=q) | Q(theme__icontains=q) | Q(owner_name__icontains=q))
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("town"):
        qs = qs.filter(town__name=filters["town"])
    if programme.isdigit() and len(programme) < 19:
        return qs.order_by(F("parent").asc(nulls_first=True), "sort", "id")
    return qs.order_by("start", "id")


def rows_for(projects: QuerySet[Project], light: str = "") -> list[dict[str, Any]]:
    today = timezone.localdate()
    rule = thresholds()
    rows = []
    for p in projects:
        status = project_progress(p, today, rule)
        rows.append({"project": p, "status": status, "light": status.light if status else ""})
    return [r for r in rows if not light or r["light"] == light]


COLUMNS = (
    Column("项目名称", 36),
    Column("类型", 10),
    Column("项目群", 16),
    Column("上级", 20),
    Column("主题", 12),
    Column("镇街", 10),
    Column("责任单位", 24),
    Column("建设主体", 24),
    Column("计划投资（万元）", 14, "number"),
    Column("累计完成投资（万元）", 14, "number"),
    Column("计划开工", 12, "date"),
    Column("计划完工", 12, "date"),
    Column("形象进度（%）", 10, "number"),
    Column("序时进度（%）", 10, "number"),
    Column("落后（百分点）", 10, "number"),
    Column("状态", 8),
    Column("滞后（工作日）", 10, "int"),
)

LIGHTS = {"green": "正常", "yellow": "黄灯", "red": "红灯", "done": "已完工", "paused": "停工"}


def ledger(target: IO[bytes], projects: QuerySet[Project], filters: dict[str, str]) -> int:
    rows = []
    for r in rows_for(projects, filters.get("status", "")):
        p, s = r["project"], r["status"]
        rows.append(
            [
                p.name,
                p.get_kind_display(),
                p.programme.name if p.programme else "",
                p.parent.name if p.parent else "",
                p.theme,
                p.town.name if p.town else "",
                p.owner_unit.name,
                p.owner_name,
                float(p.investment_planned),
                float(p.investment_done),
                p.start,
                p.planned_end,
                float(p.percent) if p.percent is not None else None,
                s.planned if s else None,
                s.gap if s else None,
                LIGHTS.get(r["light"], ""),
                s.slip_days if s else None,
            ]
        )
    notes = [(k, v) for k, v in filters.items() if v]
    return write_ledger(target, COLUMNS, rows, title="项目台账", notes=notes)

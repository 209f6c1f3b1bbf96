"""The weekly briefing (周报/工作简报) of a period: KPIs, highlights, overdue items, the 红黑榜.

One `build()` feeds both the print-ready page (/briefing/) and the .xlsx (`nuanqi briefing`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from nuanqi.cases import kinds, kpis
from nuanqi.cases.models import Case
from nuanqi.lib.excel import Column, excel_value, openpyxl_text

OVERDUE_LIMIT = 30


@dataclass
class Briefing:
    start: date
    end: date
    total: kpis.Kpi
    previous: kpis.Kpi
    by_unit: list[kpis.Kpi]
    by_category: list[kpis.Kpi]
    ranking: kpis.Ranking
    overdue: list[Case]
    overdue_total: int
    highlights: list[str] = field(default_factory=list)
    generated_at: datetime = field(default_factory=timezone.now)

    @property
    def title(self) -> str:
        return _("暖企工程工作简报（%(start)s—%(end)s）") % {
            "start": date_format(self.start, "DATE_FORMAT"),
            "end": date_format(self.end, "MONTH_DAY_FORMAT"),
        }


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _highlights(b: Briefing) -> list[str]:
    t, p = b.total, b.previous
    out = [
        _(
            "本期受理 %(received)s 件（上期 %(previous)s 件），办结 %(resolved)s 件，"
            "按时办结率 %(on_time)s，满意率 %(satisfied)s。"
        )
        % {
            "received": t.received,
            "previous": p.received,
            "resolved": t.resolved,
            "on_time": _pct(t.rates["resolve_on_time"]),
            "satisfied": _pct(t.rates["satisfaction"]),
        }
    ]
    if b.by_category:
        top = b.by_category[0]
        out.append(_("诉求最集中的大类是“%(name)s”，共 %(n)s 件。") % {"name": top.name, "n": top.received})
    if b.ranking.red:
        out.append(_("红榜单位：%(units)s。") % {"units": _("、").join(k.name for k in b.ranking.red)})
    if b.overdue_total:
        out.append(_("目前仍有 %(n)s 件事项超期未办结，请相关单位抓紧办理。") % {"n": b.overdue_total})
    else:
        out.append(_("目前没有超期未办结的事项。"))
    return out


def build(qs: QuerySet[Case], start: date, end: date, *, now: datetime | None = None) -> Briefing:
    now = now or timezone.now()
    span = (end - start).days + 1
    prev_end = start - timedelta(days=1)
    overdue_qs = qs.filter(status__in=kinds.statuses(kinds.OPEN), resolve_due__lt=now)
    b = Briefing(
        start=start,
        end=end,
        total=kpis.total(qs, start, end, now=now),
        previous=kpis.total(qs, prev_end - timedelta(days=span - 1), prev_end, now=now),
        by_unit=[k for k in kpis.compute(qs, start, end, "unit", now=now) if k.key is not None],
        by_category=[k for k in kpis.compute(qs, start, end, "category", now=now) if k.key is not None],
        ranking=kpis.ranking(qs, start, end, now=now),
        overdue=list(overdue_qs.select_related("lead_unit").order_by("resolve_due")[:OVERDUE_LIMIT]),
        overdue_total=overdue_qs.aggregate(n=Count("id"))["n"],
        generated_at=now,
    )
    b.highlights = _highlights(b)
    return b


_KPI_COLUMNS = (
    Column("单位", 22),
    Column("受理量", 8, "int"),
    Column("办结量", 8, "int"),
    Column("及时签收率", 11, "number"),
    Column("按时办结率", 11, "number"),
    Column("办结率", 9, "number"),
    Column("满意率", 9, "number"),
    Column("参评率", 9, "number"),
    Column("退单率", 9, "number"),
    Column("延期率", 9, "number"),
    Column("重办率", 9, "number"),
    Column("平均办理工作日", 13, "number"),
    Column("在办", 7, "int"),
    Column("超期", 7, "int"),
)
_RATE_ORDER = (
    "sign_on_time",
    "resolve_on_time",
    "resolve",
    "satisfaction",
    "rating",
    "return",
    "extension",
    "reopen",
)


def _kpi_row(k: kpis.Kpi) -> list[Any]:
    return [
        k.name,
        k.received,
        k.resolved,
        *(k.rates.get(r) for r in _RATE_ORDER),
        k.avg_days,
        k.open,
        k.overdue,
    ]


def _sheet(wb: Workbook, title: str, columns: tuple[Column, ...], rows: list[list[Any]]) -> None:
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=title)
    ws.freeze_panes = "A2"
    for i, c in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = c.width
    header = []
    for c in columns:
        cell = openpyxl_text(WriteOnlyCell(ws), c.header)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    fmts = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "number": "0.00", "int": "0"}
    for row in rows:
        out: list[Any] = []
        for value, c in zip(row, columns, strict=False):
            v = excel_value(value)
            if c.header.endswith("率") and isinstance(v, float):
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = "0.0%"
                out.append(cell)
            elif c.kind in fmts and isinstance(v, (int, float, date, datetime)):
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = fmts[c.kind]
                out.append(cell)
            elif isinstance(v, str):
                out.append(openpyxl_text(WriteOnlyCell(ws), v))
            else:
                out.append(v)
        ws.append(out)


def write_xlsx(b: Briefing, target: str | Path | IO[bytes]) -> None:
    """Four sheets: 概要 (highlights and totals), 分单位 KPIs, 超期事项, 红黑榜."""
    wb = Workbook(write_only=True)
    _sheet(
        wb,
        "概要",
        (Column("项目", 26), Column("内容", 90)),
        [
            ["标题", b.title],
            ["统计期间", f"{b.start.isoformat()} 至 {b.end.isoformat()}"],
            *[[f"要点 {i}", h] for i, h in enumerate(b.highlights, start=1)],
            ["生成时间", timezone.localtime(b.generated_at).strftime("%Y-%m-%d %H:%M")],
        ],
    )
    _sheet(wb, "分单位指标", _KPI_COLUMNS, [_kpi_row(b.total), *[_kpi_row(k) for k in b.by_unit]])
    _sheet(
        wb,
        "超期事项",
        (
            Column("编号", 16),
            Column("标题", 40),
            Column("主办单位", 20),
            Column("办结期限", 17, "datetime"),
            Column("督办", 6),
        ),
        [
            [
                c.number,
                c.title,
                c.lead_unit.label if c.lead_unit else "",
                c.resolve_due,
                "是" if c.supervised else "",
            ]
            for c in b.overdue
        ],
    )
    _sheet(
        wb,
        "红黑榜",
        (Column("榜单", 8), Column("单位", 24), Column("综合得分", 10, "number"), Column("超期", 7, "int")),
        [["红榜", k.name, k.score, k.overdue] for k in b.ranking.red]
        + [["黑榜", k.name, k.score, k.overdue] for k in b.ranking.black],
    )
    wb.save(target)

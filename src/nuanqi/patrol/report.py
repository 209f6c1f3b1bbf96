"""The weekly 督查通报: per responsible unit and per street, for one week (Monday to Sunday, Asia/Shanghai) —

- 发现: patrol problems received in the week;
- 按时整改: problems 销号 in the week whose last 整改 period was met (申请销号 on or before the 整改 clock's
  deadline; a 复查不通过 starts a new period, as the clock does);
- 逾期: problems whose 整改 deadline fell in the week (up to now) and was not met by 申请销号 in time;
- 复发: problems received in the week that repeat one 销号 within 30 days (linked `relapse_of`);
- 复查不通过: the 复查不通过 decisions taken in the week (one problem may fail twice).

A problem counts for its lead unit (before 派遣: 未派遣) and for the street of its point (a public report with
no point: 未关联点位)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from nuanqi.cases.models import Case, Event, LinkType
from nuanqi.lib.excel import openpyxl_text

from .access import SUBJECT
from .models import Point
from .workflow import CLOSED_OK, PATROL

NO_UNIT = gettext_lazy("（未派遣）")
NO_STREET = gettext_lazy("（未关联点位）")
METRICS = ("found", "on_time", "overdue", "relapses", "recheck_failed")
LABELS = {
    "found": gettext_lazy("发现问题"),
    "on_time": gettext_lazy("按时整改"),
    "overdue": gettext_lazy("逾期"),
    "relapses": gettext_lazy("复发"),
    "recheck_failed": gettext_lazy("复查不通过"),
}


@dataclass
class Row:
    name: str
    found: int = 0
    on_time: int = 0
    overdue: int = 0
    relapses: int = 0
    recheck_failed: int = 0

    def values(self) -> list[int]:
        return [getattr(self, m) for m in METRICS]


@dataclass
class WeeklyReport:
    monday: date
    units: list[Row] = field(default_factory=list)
    streets: list[Row] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row("合计"))
    generated_at: datetime = field(default_factory=timezone.now)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def title(self) -> str:
        return _("文明城市点位巡查督查通报（%(start)s—%(end)s）") % {
            "start": date_format(self.monday, "DATE_FORMAT"),
            "end": date_format(self.sunday, "MONTH_DAY_FORMAT"),
        }


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(monday, time.min, tzinfo=tz)
    return start, start + timedelta(days=7)


def metric_case_ids(monday: date, *, now: datetime | None = None) -> dict[str, list[int]]:
    """For each figure, the ids of the problems it counts (a problem twice for two 复查不通过)."""
    start, end = week_bounds(monday)
    until = min(end, now or timezone.now())
    patrol = Case.objects.filter(kind=PATROL)
    week = {"received_at__gte": start, "received_at__lt": end}
    ids: dict[str, list[int]] = {
        "found": list(patrol.filter(**week).values_list("pk", flat=True)),
        # One filter() call: the conditions on `clocks` hold for the same clock row.
        "on_time": list(
            patrol.filter(
                status=CLOSED_OK,
                resolved_at__gte=start,
                resolved_at__lt=end,
                clocks__name="fix",
                clocks__stopped_at__lte=F("clocks__due_at"),
            ).values_list("pk", flat=True)
        ),
        "overdue": list(
            patrol.filter(
                Q(clocks__stopped_at__isnull=True) | Q(clocks__stopped_at__gt=F("clocks__due_at")),
                clocks__name="fix",
                clocks__due_at__gte=start,
                clocks__due_at__lt=until,
            ).values_list("pk", flat=True)
        ),
        "relapses": list(
            patrol.filter(**week, links_out__type=LinkType.RELAPSE_OF).distinct().values_list("pk", flat=True)
        ),
        "recheck_failed": list(
            Event.objects.filter(
                case__kind=PATROL, action="recheck_fail", at__gte=start, at__lt=end
            ).values_list("case_id", flat=True)
        ),
    }
    return ids


def build(monday: date, *, now: datetime | None = None) -> WeeklyReport:
    monday = monday_of(monday)
    ids = metric_case_ids(monday, now=now)
    every = {pk for pks in ids.values() for pk in pks}
    cases = {
        c["pk"]: c
        for c in Case.objects.filter(pk__in=every).values(
            "pk", "lead_unit__name", "subject_type", "subject_id"
        )
    }
    point_ids = {c["subject_id"] for c in cases.values() if c["subject_type"] == SUBJECT and c["subject_id"]}
    streets = dict(Point.objects.filter(pk__in=point_ids).values_list("pk", "town__name"))
    by_unit: dict[str, Row] = {}
    by_street: dict[str, Row] = {}
    report = WeeklyReport(monday)
    for metric, pks in ids.items():
        for pk, n in Counter(pks).items():
            c = cases[pk]
            unit = c["lead_unit__name"] or str(NO_UNIT)
            street = (
                streets.get(c["subject_id"] or 0, str(NO_STREET))
                if c["subject_type"] == SUBJECT
                else str(NO_STREET)
            )
            for table, key in ((by_unit, unit), (by_street, street)):
                row = table.setdefault(key, Row(key))
                setattr(row, metric, getattr(row, metric) + n)
            setattr(report.total, metric, getattr(report.total, metric) + n)

    def order(rows: dict[str, Row]) -> list[Row]:
        return sorted(
            rows.values(),
            key=lambda r: (r.name in (str(NO_UNIT), str(NO_STREET)), -r.found, -r.overdue, r.name),
        )

    report.units, report.streets = order(by_unit), order(by_street)
    return report


def write_xlsx(report: WeeklyReport, target: str | Path | IO[bytes]) -> None:
    """Two sheets (按责任单位, 按街道) and a 说明 sheet with the week and the definitions."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    sheets = ((_("按责任单位"), _("责任单位"), report.units), (_("按街道"), _("街道"), report.streets))
    for title, first, rows in sheets:
        ws = wb.create_sheet(title)
        ws.column_dimensions["A"].width = 28
        header = [first, *(str(LABELS[m]) for m in METRICS)]
        cells = []
        for text in header:
            cell = openpyxl_text(WriteOnlyCell(ws), text)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)
        for row in [*rows, report.total]:
            ws.append([openpyxl_text(WriteOnlyCell(ws), row.name), *row.values()])
    ws = wb.create_sheet(_("说明"))
    ws.column_dimensions["B"].width = 80
    notes = [
        (_("通报"), report.title),
        (_("统计周"), f"{report.monday:%Y-%m-%d} — {report.sunday:%Y-%m-%d}"),
        (_("生成时间"), f"{timezone.localtime(report.generated_at):%Y-%m-%d %H:%M}"),
        (str(LABELS["found"]), _("本周发现（受理）的点位问题")),
        (str(LABELS["on_time"]), _("本周销号、且最后一次整改在整改时限内申请销号的问题")),
        (str(LABELS["overdue"]), _("整改时限在本周届满而未按时申请销号的问题")),
        (str(LABELS["relapses"]), _("本周发现、与 30 天内已销号问题重复的问题")),
        (str(LABELS["recheck_failed"]), _("本周作出的复查不通过次数")),
    ]
    for k, v in notes:
        ws.append([openpyxl_text(WriteOnlyCell(ws), k), openpyxl_text(WriteOnlyCell(ws), v)])
    wb.save(target)


def panel(user: Any, today: Any) -> dict[str, Any] | None:
    """The leader's dashboard panel: this week's totals and the streets with most overdue problems."""
    if not user.sees_everything:
        return None
    report = build(today)
    return {"report": report, "streets": [r for r in report.streets if r.overdue or r.found][:5]}

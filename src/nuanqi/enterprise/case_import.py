"""The historical case ledger (历史事项台账): a district's years of cases in Excel, brought in once.

One row a case. Every row is checked first — each bad cell reported by row, column and reason — and only a
file without a single error is filed, in one transaction (`cases.history.import_cases`), up to
NUANQI_IMPORT_MAX_ROWS rows. Companies are resolved here (by name or 统一社会信用代码): the engine knows no
companies. The original number is kept when it is given and unique, else one is allocated.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from nuanqi.accounts.models import Role, Unit, User
from nuanqi.cases import kinds
from nuanqi.cases.access import SubjectRef
from nuanqi.cases.errors import Forbidden
from nuanqi.cases.history import HistoricalCase, import_cases
from nuanqi.cases.models import Category, Channel, Nature, Satisfaction, Status
from nuanqi.lib.cells import CellError, normalize_text, parse_date, parse_list
from nuanqi.lib.excel import openpyxl_text
from nuanqi.lib.excel_import import Field, ImportReport, check_row
from nuanqi.lib.importkinds import read_rows

from .imports import _company_lookup
from .models import Company

KIND = "cases"
LABEL = gettext_noop("历史事项")

# What a row's 导入状态 may say, and the status the case is filed in. An open case with a lead unit is being
# handled (办理中); without one it waits for the office to dispatch it (已受理).
STATUS_WORDS = {
    "办理中": "open",
    "未办结": "open",
    "open": "open",
    "已办结": Status.RESOLVED,
    "办结": Status.RESOLVED,
    "resolved": Status.RESOLVED,
    "已评价": Status.RATED,
    "rated": Status.RATED,
    "不予受理": Status.REJECTED,
    "rejected": Status.REJECTED,
}

FIELDS: tuple[Field, ...] = (
    Field("number", "原编号", help="原台账编号；唯一时保留，否则由系统分配", max_length=20, text_only=True),
    Field("received", "受理时间", True, help="2023-03-27 14:05；只写日期时按当日 09:00"),
    Field("company", "企业", True, help="企业名称或统一社会信用代码（须已在企业台账中）", text_only=True),
    Field("title", "标题", True, max_length=200),
    Field("description", "内容", help="诉求原文", max_length=20000),
    Field("category", "大类", help="如 要素保障；可空（由小项确定）"),
    Field("subcategory", "小项", True, help="如 用电"),
    Field("nature", "性质", help="咨询、求助、投诉、举报、建议、感谢；空为求助"),
    Field("channel", "渠道", help="企业求助、电话、网上、来访 …；空为企业求助"),
    Field("lead_unit", "主办单位", help="单位全称或简称；办结、已评价的事项必填"),
    Field("cohandling", "协办单位", help="多个用顿号分隔"),
    Field("status", "导入状态", True, help="办理中、已办结、已评价、不予受理"),
    Field("resolved", "办结时间", help="已办结、已评价的事项必填；不早于受理时间"),
    Field("result", "办理结果", help="已办结、已评价的事项必填", max_length=20000),
    Field("satisfaction", "满意度", help="满意、基本满意、不满意；已评价的事项必填"),
)
HEADER = {f.key: f.header for f in FIELDS}


def write_template(target: Any) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = LABEL
    for col, f in enumerate(FIELDS, start=1):
        cell = openpyxl_text(ws.cell(row=1, column=col), f.header + ("*" if f.required else ""))
        cell.font = Font(bold=True, color="B4232A" if f.required else "1F2933")
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        if f.help:
            cell.comment = Comment(f.help, "暖企")
        ws.column_dimensions[cell.column_letter].width = max(12, len(f.header) * 2.4)
        if f.text_only:
            ws.column_dimensions[cell.column_letter].number_format = "@"
    ws.freeze_panes = "A2"
    wb.save(target)


_DT = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?(?:[ T]+(\d{1,2})[:：时](\d{2})(?:[:：分](\d{2}))?秒?)?$"
)


def parse_datetime(value: Any) -> datetime:
    """A date-time cell, "2023-03-27 14:05", "2023年3月27日 14:05" or a date alone (09:00 of that day), in
    Asia/Shanghai."""
    if isinstance(value, datetime):
        found = value
    elif isinstance(value, date):
        found = datetime.combine(value, time(9))
    elif isinstance(value, float) and not value.is_integer():
        day = parse_date(int(value))
        seconds = round((value - int(value)) * 86400)
        found = datetime.combine(day, time(seconds // 3600 % 24, seconds // 60 % 60))
    else:
        text = normalize_text(value).replace("  ", " ")
        m = _DT.match(text)
        if not m:
            day = parse_date(value)  # its message names the forms
            found = datetime.combine(day, time(9))
        else:
            y, mo, d, hh, mm, ss = m.groups()
            try:
                found = datetime(int(y), int(mo), int(d), int(hh or 9), int(mm or 0), int(ss or 0))
            except ValueError:
                raise CellError(f"时间“{text}”不存在") from None
            parse_date(found.date())  # the years check
    if timezone.is_naive(found):
        found = timezone.make_aware(found)
    return found


def _choice(cls: Any, what: str) -> Any:
    words = {str(label): code for code, label in cls.choices} | {str(code): code for code, _ in cls.choices}
    options = "、".join(str(label) for _code, label in cls.choices)

    def parse(value: Any) -> str:
        text = normalize_text(value)
        if text not in words:
            raise CellError(f"{what}“{text}”不在可选范围内（可选：{options}）")
        return str(words[text])

    return parse


def _units() -> Any:
    by_name: dict[str, Unit] = {}
    for u in Unit.objects.filter(active=True):
        by_name.setdefault(u.name, u)
        if u.short_name:
            by_name.setdefault(u.short_name, u)

    def one(value: Any) -> Unit:
        text = normalize_text(value)
        found = by_name.get(text)
        if found is None:
            raise CellError(f"找不到单位“{text}”")
        return found

    def many(value: Any) -> list[Unit]:
        return [one(v) for v in parse_list(value)]

    return one, many


def _categories() -> tuple[dict[str, Category], dict[str, list[Category]]]:
    tops: dict[str, Category] = {}
    leaves: dict[str, list[Category]] = {}
    for c in Category.objects.filter(kind="request", active=True).select_related("parent"):
        if c.parent_id is None:
            tops[c.name] = c
        else:
            leaves.setdefault(c.name, []).append(c)
    return tops, leaves


def _status(value: Any) -> str:
    text = normalize_text(value)
    if text not in STATUS_WORDS:
        raise CellError(f"导入状态“{text}”不在可选范围内（可选：办理中、已办结、已评价、不予受理）")
    return STATUS_WORDS[text]


def _check_actor(actor: User | None) -> None:
    if actor is not None and not actor.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Forbidden("只有营商办工作人员可以导入台账")


def run_import(source: Any, *, actor: User | None = None) -> ImportReport:
    """Validate every row; file all of them in one transaction only if none is bad."""
    _check_actor(actor)
    report = ImportReport(KIND)
    rows = read_rows(source, FIELDS, report)
    items = check_rows(report, rows)
    if report.ok:
        import_cases(items, actor=actor)
        report.created = len(items)
    return report


def check_rows(report: ImportReport, rows: list[tuple[int, dict[str, Any]]]) -> list[HistoricalCase]:
    """Every row parsed and checked against the others and the database; errors go to the report."""
    unit, units = _units()
    tops, leaves = _categories()
    company = _company_lookup()
    parsers = {
        "received": parse_datetime,
        "resolved": parse_datetime,
        "company": company,
        "nature": _choice(Nature, "性质"),
        "channel": _choice(Channel, "渠道"),
        "lead_unit": unit,
        "cohandling": units,
        "status": _status,
        "satisfaction": _choice(Satisfaction, "满意度"),
    }
    # The request kind's resolved statuses (已办结, 已评价): they need a lead unit, a resolved time, a result.
    resolved = kinds.get_kind("request").status_codes(resolved=True)
    seen_numbers: dict[str, int] = {}
    items: list[HistoricalCase] = []
    now = timezone.now()
    for number, raw in rows:
        r = check_row(report, number, raw, FIELDS, parsers)
        if r is None:
            continue
        bad = len(report.errors)
        category = _category(report, number, r, tops, leaves)
        status = r["status"]
        if status == "open":
            status = Status.IN_PROGRESS if r["lead_unit"] else Status.ACCEPTED
        closed = status in resolved
        if r["received"] > now:
            report.add(number, HEADER["received"], "受理时间晚于现在")
        if closed:
            for key in ("lead_unit", "resolved", "result"):
                if not r[key]:
                    report.add(number, HEADER[key], f"“{_status_label(status)}”的事项必填")
        elif r["resolved"] and status != Status.REJECTED:
            report.add(number, HEADER["resolved"], "办理中的事项不应填写办结时间")
        if r["resolved"] and r["resolved"] < r["received"]:
            report.add(number, HEADER["resolved"], "早于受理时间")
        if r["resolved"] and r["resolved"] > now:
            report.add(number, HEADER["resolved"], "晚于现在")
        if status == Status.RATED and not r["satisfaction"]:
            report.add(number, HEADER["satisfaction"], "“已评价”的事项必填")
        if r["satisfaction"] and status != Status.RATED:
            report.add(number, HEADER["satisfaction"], "只有“已评价”的事项填写满意度")
        if r["lead_unit"] and r["lead_unit"] in (r["cohandling"] or []):
            report.add(number, HEADER["cohandling"], "主办单位不应同时是协办单位")
        cohandling = list(dict.fromkeys(r["cohandling"] or []))
        original = r["number"] or ""
        if original:
            if original in seen_numbers:
                report.add(number, HEADER["number"], f"与第 {seen_numbers[original]} 行重复")
            seen_numbers.setdefault(original, number)
        if len(report.errors) > bad:
            continue
        c: Company = r["company"]
        items.append(
            HistoricalCase(
                received_at=r["received"],
                title=r["title"],
                description=r["description"] or "",
                status=status,
                category=category,
                nature=r["nature"] or Nature.HELP,
                channel=r["channel"] or Channel.COMPANY_REQUEST,
                subject=SubjectRef("company", c.pk, c.name),
                lead_unit=r["lead_unit"],
                cohandling=cohandling,
                resolved_at=r["resolved"] or (r["received"] if status == Status.REJECTED else None),
                result=r["result"] or "",
                satisfaction=r["satisfaction"] or "",
                # Kept when unique and not of the engine's own form, else allocated anew (the event keeps
                # the ledger's either way): cases.history decides.
                original_number=original,
            )
        )
    return items


def _status_label(status: str) -> str:
    labels: dict[str, str] = {Status.RESOLVED: "已办结", Status.RATED: "已评价"}
    return labels.get(status, status)


def _category(
    report: ImportReport,
    number: int,
    r: dict[str, Any],
    tops: dict[str, Category],
    leaves: dict[str, list[Category]],
) -> Category | None:
    leaf_name = normalize_text(r["subcategory"])
    top_name = normalize_text(r["category"]) if r["category"] else ""
    if top_name and top_name not in tops:
        report.add(number, HEADER["category"], f"找不到大类“{top_name}”")
        return None
    found = [c for c in leaves.get(leaf_name, []) if not top_name or c.parent_id == tops[top_name].pk]
    if not found:
        where = f"大类“{top_name}”下" if top_name else ""
        report.add(number, HEADER["subcategory"], f"{where}找不到小项“{leaf_name}”")
        return None
    if len(found) > 1:
        report.add(number, HEADER["category"], f"小项“{leaf_name}”属于多个大类，请填写大类")
        return None
    return found[0]

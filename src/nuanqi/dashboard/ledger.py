"""The case ledger (事项台账): any filtered list of cases as .xlsx, streamed row by row.

Rows come from `values_list(...).iterator(chunk_size=…)` over one joined query, so neither model instances
nor the whole result are ever held, and `lib.excel.write_ledger` streams the sheet into the zip: memory stays
flat and 100,000 rows take seconds (bench/ledger_export_bench.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from nuanqi.cases import kinds as case_kinds
from nuanqi.cases.models import Case, Channel, Nature, Satisfaction
from nuanqi.lib.excel import Column, write_ledger

COLUMNS: tuple[Column, ...] = (
    Column("编号", 16),
    Column("类别", 10),
    Column("标题", 36),
    Column("大类", 12),
    Column("小项", 14),
    Column("性质", 7),
    Column("渠道", 10),
    Column("对象", 28),
    Column("优先级", 7),
    Column("主办单位", 18),
    Column("责任人", 10),
    Column("状态", 8),
    Column("受理时间", 17, "datetime"),
    Column("派单时间", 17, "datetime"),
    Column("签收时间", 17, "datetime"),
    Column("办结期限", 17, "datetime"),
    Column("办结时间", 17, "datetime"),
    Column("时限状态", 9),
    Column("延期(工作日)", 11, "int"),
    Column("退单次数", 9, "int"),
    Column("重办次数", 9, "int"),
    Column("催办次数", 9, "int"),
    Column("督办", 6),
    Column("满意度", 9),
    Column("办理结果", 40),
)

_FIELDS = (
    "number",
    "kind",
    "title",
    "category__parent__name",
    "category__name",
    "nature",
    "channel",
    "subject_label",
    "priority",
    "lead_unit__name",
    "owner__display_name",
    "status",
    "received_at",
    "dispatched_at",
    "signed_at",
    "resolve_due",
    "resolved_at",
    "warn_at",
    "extension_days",
    "return_count",
    "reopen_count",
    "remind_count",
    "supervised",
    "satisfaction",
    "result",
)

CHUNK = 2000


def _labels(choices: Any) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def rows(qs: QuerySet[Case], now: datetime | None = None) -> Iterator[Sequence[Any]]:
    now = now or timezone.now()
    kinds = {k.code: str(k.label) for k in case_kinds.all_kinds()}
    natures, channels, sats = _labels(Nature), _labels(Channel), _labels(Satisfaction)
    open_statuses = set(case_kinds.statuses(case_kinds.OPEN))
    for r in qs.order_by("pk").values_list(*_FIELDS).iterator(chunk_size=CHUNK):
        (number, kind, title, parent, cat, nature, channel, subject, prio, unit, owner, status,
         received, dispatched, signed, due, resolved, warn, ext, ret, reopen, remind, supervised, sat,
         result) = r  # fmt: skip
        top, sub = (parent, cat) if parent else (cat or "", "")
        sla = ""
        if status in open_statuses and due is not None:
            sla = "红牌·超期" if now > due else ("黄牌·临期" if warn is not None and now >= warn else "正常")
        yield (
            number,
            kinds.get(kind, kind),
            title,
            top,
            sub,
            natures.get(nature, nature),
            channels.get(channel, channel),
            subject,
            f"P{prio}",
            unit or "",
            owner or "",
            case_kinds.status_label(kind, status),
            received,
            dispatched,
            signed,
            due,
            resolved,
            sla,
            ext,
            ret,
            reopen,
            remind,
            "是" if supervised else "",
            sats.get(sat, ""),
            result,
        )


def export(qs: QuerySet[Case], target: str | Path | IO[bytes], notes: Sequence[tuple[str, str]] = ()) -> int:
    """Write the ledger of `qs` to `target`; returns the number of cases written."""
    return write_ledger(
        target, COLUMNS, rows(qs), title="事项台账", notes=notes, sheet_rows=settings.NUANQI_SHEET_ROWS
    )


_FILTER_NAMES = {
    "kind": "类别",
    "status": "状态",
    "unit": "主办单位",
    "category": "分类",
    "channel": "渠道",
    "from": "受理起",
    "to": "受理止",
    "sla": "时限",
    "overdue": "仅超期",
    "town": "镇街",
    "commissioner": "暖企专员",
    "company": "企业",
    "owner": "责任人",
    "returned": "被退回待重新派单",
    "extension": "延期申请",
    "q": "关键词",
}


def _filter_value(key: str, value: str) -> str:
    """A filter's value as the person chose it on the page: a label or a name, never a code or an id."""
    from nuanqi.accounts.models import Unit, User
    from nuanqi.cases.models import Category
    from nuanqi.enterprise.models import Company

    def named(model: Any, attr: str = "name") -> str:
        obj = model.objects.filter(pk=int(value)).first() if value.isdigit() else None
        return str(getattr(obj, attr)) if obj is not None else value

    if key == "kind":
        spec = next((k for k in case_kinds.all_kinds() if k.code == value), None)
        return str(spec.label) if spec else value
    if key == "status":
        phases = {case_kinds.OPEN: "在办", case_kinds.HELD: "暂缓", case_kinds.CLOSED: "已办结"}
        if value in phases:
            return phases[value]
        return next(
            (str(st.label) for k in case_kinds.all_kinds() for st in k.statuses if st.code == value), value
        )
    if key in ("unit", "town"):
        return named(Unit)
    if key == "category":
        obj = Category.objects.filter(pk=int(value)).first() if value.isdigit() else None
        return str(obj) if obj is not None else value
    if key == "channel":
        return str(dict(Channel.choices).get(value, value))
    if key == "sla":
        return {"red": "红牌超期", "yellow": "黄牌预警"}.get(value, value)
    if key in ("overdue", "returned"):
        return "是" if value == "1" else value
    if key == "extension":
        return "待审批" if value == "pending" else value
    if key == "owner":
        return "本人" if value == "me" else value
    if key == "commissioner":
        user = User.objects.filter(pk=int(value)).first() if value.isdigit() else None
        return str(user) if user is not None else value
    if key == "company":
        return named(Company)
    return value


def describe(params: dict[str, str]) -> list[tuple[str, str]]:
    """The filters as the 说明 sheet lists them, in words (状态: 在办, not "open")."""
    return [
        (f"筛选：{_FILTER_NAMES.get(k, k)}", _filter_value(k, str(v)))
        for k, v in params.items()
        if v and k not in ("next", "format", "page")
    ]

"""Excel ledgers (台账) of every enterprise list, written with the filters that produced them.

`export(kind, target, user=…, filters=…)`: the rows are what `user` may see (None: the command line, all),
narrowed by the same filters the pages and the CLI take; the 说明 sheet records the filters used.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from nuanqi.cases.errors import Invalid
from nuanqi.lib.excel import Column, write_ledger

from .access import visible_companies
from .models import (
    Assignment,
    Commissioner,
    Company,
    Indicator,
    Inspection,
    Milestone,
    Policy,
    PolicyApplication,
    PolicyMatch,
)

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

KINDS = (
    "companies",
    "commissioners",
    "assignments",
    "policies",
    "matches",
    "applications",
    "indicators",
    "inspections",
    "projects",
)
# Ledgers of the administration itself (who serves where, planned inspections): never for outsiders.
INTERNAL_KINDS = ("commissioners", "inspections")
TITLES = {
    "companies": "企业台账",
    "commissioners": "暖企专员台账",
    "assignments": "派驻关系台账",
    "policies": "惠企政策台账",
    "matches": "政策匹配台账",
    "applications": "政策兑现台账",
    "indicators": "企业指标台账",
    "inspections": "涉企检查台账",
    "projects": "企业项目节点台账",
}
FILTER_LABELS = {
    "town": "所属镇街",
    "industry": "行业",
    "scale": "规模",
    "key": "重点企业",
    "q": "名称包含",
    "company": "企业",
    "batch": "批次",
    "level": "层级",
    "metric": "指标",
    "period_kind": "周期",
    "unit": "检查单位",
    "status": "状态",
    "current": "仅现任",
}


def companies_for(user: User | None) -> QuerySet[Company]:
    return Company.objects.all() if user is None else visible_companies(user)


def filter_companies(qs: QuerySet[Company], f: dict[str, str]) -> QuerySet[Company]:
    if f.get("town"):
        qs = qs.filter(town__name=f["town"])
    if f.get("industry"):
        code = f["industry"].upper()
        qs = qs.filter(industry__startswith=code) if len(code) == 1 else qs.filter(industry=code)
    if f.get("scale"):
        qs = qs.filter(scale=f["scale"])
    if f.get("key") in ("1", "true", "是"):
        qs = qs.filter(key_company=True)
    if f.get("q"):
        qs = qs.filter(name__contains=f["q"])
    if f.get("commissioner"):
        # The companies a commissioner serves now (the programme page links here from each commissioner).
        text = f["commissioner"]
        qs = (
            qs.filter(
                pk__in=Assignment.objects.filter(commissioner_id=int(text), ended_on__isnull=True).values(
                    "company_id"
                )
            )
            if text.isdigit() and len(text) < 19
            else qs.none()
        )
    if f.get("company"):
        text = f["company"]
        qs = (
            qs.filter(pk=int(text)) if text.isdigit() else qs.filter(name=text) | qs.filter(uscc=text.upper())
        )
    return qs


def _yn(b: bool) -> str:
    return "是" if b else "否"


def _rows(
    kind: str, user: User | None, f: dict[str, str]
) -> tuple[Sequence[Column], Iterator[Sequence[Any]]]:
    companies = filter_companies(companies_for(user), f)
    if kind == "companies":
        cols = [
            Column("企业名称", 32), Column("统一社会信用代码", 22), Column("行业代码", 10),
            Column("行业", 24),
            Column("规模", 8), Column("规上企业", 8), Column("所属镇街", 12), Column("地址", 24),
            Column("重点企业", 8), Column("联系人", 10), Column("联系电话", 14), Column("标签", 24),
        ]  # fmt: skip
        qs = companies.select_related("town").order_by("name")
        return cols, (
            [c.name, c.uscc, c.industry, c.industry_name, c.get_scale_display(), _yn(c.above_scale),
             c.town.name if c.town else "", c.address, _yn(c.key_company), c.contact_name, c.contact_phone,
             "、".join(c.tags or [])]
            for c in qs.iterator(chunk_size=2000)
        )  # fmt: skip
    if kind == "commissioners":
        cols = [
            Column("姓名", 10), Column("账号", 16), Column("原任职务", 24), Column("批次", 8),
            Column("派驻日期", 12, "date"), Column("已签保密条约", 12), Column("签订日期", 12, "date"),
            Column("在岗", 6), Column("服务企业", 32),
        ]  # fmt: skip
        cq = Commissioner.objects.select_related("user", "batch").order_by("batch__number", "dispatched_on")
        if f.get("batch"):
            b = f["batch"]
            cq = cq.filter(batch__number=int(b)) if b.isdigit() else cq.filter(batch__name=b)
        serving: dict[int, list[str]] = {}
        # Served companies the reader may see, with the export's company filters applied.
        for a in Assignment.objects.filter(ended_on__isnull=True, company__in=companies).select_related(
            "company"
        ):
            serving.setdefault(a.commissioner_id, []).append(a.company.name)
        return cols, (
            [str(c.user), c.user.username, c.former_post, c.batch.name, c.dispatched_on,
             _yn(c.confidentiality_signed), c.confidentiality_signed_on, _yn(c.active),
             "、".join(serving.get(c.pk, []))]
            for c in cq
        )  # fmt: skip
    if kind == "assignments":
        cols = [
            Column("企业", 32), Column("专员", 10), Column("批次", 8), Column("开始日期", 12, "date"),
            Column("结束日期", 12, "date"), Column("说明", 24),
        ]  # fmt: skip
        aq = (
            Assignment.objects.filter(company__in=companies)
            .select_related("company", "commissioner__user", "commissioner__batch")
            .order_by("company__name", "started_on")
        )
        if f.get("current") in ("1", "true", "是"):
            aq = aq.filter(ended_on__isnull=True)
        return cols, (
            [
                a.company.name,
                str(a.commissioner.user),
                a.commissioner.batch.name,
                a.started_on,
                a.ended_on,
                a.note,
            ]
            for a in aq
        )
    if kind == "policies":
        cols = [
            Column("政策名称", 36), Column("层级", 6), Column("发文单位", 20), Column("文号", 20),
            Column("有效期起", 12, "date"), Column("有效期止", 12, "date"), Column("申报截止", 12, "date"),
            Column("最高金额(万元)", 12, "number"), Column("免申即享", 8), Column("适用条件", 40),
            Column("匹配企业数", 10, "int"),
        ]  # fmt: skip
        pq = Policy.objects.order_by("-id")
        if f.get("level"):
            pq = pq.filter(level=f["level"])
        from django.db.models import Count

        pq = pq.annotate(n=Count("matches"))
        return cols, (
            [p.title, p.get_level_display(), p.issuer, p.doc_number, p.valid_from, p.valid_to, p.deadline,
             float(p.max_amount) if p.max_amount is not None else None, _yn(p.auto_grant), describe(p), p.n]
            for p in pq
        )  # fmt: skip
    if kind == "matches":
        cols = [Column("企业", 32), Column("政策", 36), Column("层级", 6), Column("匹配理由", 48)]
        mq = PolicyMatch.objects.filter(company__in=companies).select_related("company", "policy")
        return cols, (
            [m.company.name, m.policy.title, m.policy.get_level_display(), m.reasons]
            for m in mq.order_by("company__name", "policy_id").iterator(chunk_size=5000)
        )
    if kind == "applications":
        cols = [
            Column("企业", 32), Column("政策", 36), Column("状态", 8), Column("申报日期", 12, "date"),
            Column("兑现日期", 12, "date"), Column("兑现金额(万元)", 12, "number"), Column("说明", 24),
        ]  # fmt: skip
        apq = PolicyApplication.objects.filter(company__in=companies).select_related("company", "policy")
        if f.get("status"):
            apq = apq.filter(status=f["status"])
        return cols, (
            [a.company.name, a.policy.title, a.get_status_display(), a.applied_on, a.granted_on,
             float(a.amount) if a.amount is not None else None, a.note]
            for a in apq.order_by("company__name")
        )  # fmt: skip
    if kind == "indicators":
        cols = [
            Column("企业", 32), Column("指标", 10), Column("周期", 8), Column("期间开始", 12, "date"),
            Column("期间结束", 12, "date"), Column("数值", 14, "number"), Column("来源", 8),
        ]  # fmt: skip
        iq = Indicator.objects.filter(company__in=companies).select_related("company")
        if f.get("metric"):
            iq = iq.filter(metric=f["metric"])
        if f.get("period_kind"):
            iq = iq.filter(period_kind=f["period_kind"])
        return cols, (
            [i.company.name, i.get_metric_display(), i.get_period_kind_display(), i.period_start,
             i.period_end, float(i.value), i.source]
            for i in iq.order_by("company__name", "metric", "period_start").iterator(chunk_size=5000)
        )  # fmt: skip
    if kind == "inspections":
        cols = [
            Column("企业", 32), Column("检查单位", 20), Column("计划日期", 12, "date"),
            Column("检查日期", 12, "date"), Column("检查事项", 28), Column("状态", 8),
            Column("综合查一次", 20), Column("提示", 48),
        ]  # fmt: skip
        nq = Inspection.objects.filter(company__in=companies).select_related("company", "unit")
        if f.get("unit"):
            nq = nq.filter(unit__name=f["unit"]) | nq.filter(unit__short_name=f["unit"])
        if f.get("status"):
            nq = nq.filter(status=f["status"])
        return cols, (
            [i.company.name, i.unit.label, i.planned_on, i.done_on, i.purpose, i.get_status_display(),
             i.joint_visit, i.warning]
            for i in nq.order_by("planned_on", "id")
        )  # fmt: skip
    if kind == "projects":
        cols = [
            Column("企业", 32), Column("项目", 32), Column("总投资(万元)", 12, "number"), Column("节点", 10),
            Column("计划日期", 12, "date"), Column("实际日期", 12, "date"),
            Column("提前(+)/滞后(-)天数", 16, "int"),
        ]  # fmt: skip
        msq = Milestone.objects.filter(project__company__in=companies).select_related("project__company")
        return cols, (
            [m.project.company.name, m.project.name, float(m.project.investment), m.get_stage_display(),
             m.planned_on, m.actual_on, m.days_ahead]
            for m in sorted(msq, key=lambda m: (m.project.company.name, m.project_id, m.sort_key))
        )  # fmt: skip
    raise Invalid(f"未知的台账“{kind}”（可选：{'、'.join(KINDS)}）", "invalid_choice", field="kind")


def _metric_label(metric: str) -> str:
    from .models import Metric

    return str(Metric(metric).label) if metric in Metric.values else metric


def describe(p: Policy) -> str:
    """The eligibility in words, for ledgers and the policy page."""
    from nuanqi.lib import gbt4754

    from .matching import OP_LABELS
    from .models import Scale

    parts = []
    if p.industries:
        parts.append(_("行业：%s") % _("、").join(gbt4754.lookup(c).name for c in p.industries))
    if p.scales:
        scales = {s.value: s.label for s in Scale}
        parts.append(_("规模：%s") % _("、").join(str(scales.get(s, s)) for s in p.scales))
    if p.above_scale_only:
        parts.append(_("规上企业"))
    if p.towns:
        parts.append(_("镇街：%s") % _("、").join(p.towns))
    if p.tags:
        parts.append(_("须为%s") % _("、").join(p.tags))
    for t in p.thresholds or []:
        parts.append(f"{_metric_label(t['metric'])}{OP_LABELS.get(t['op'], t['op'])}{t['value']:g}")
    return _("；").join(parts) or _("不限")


def export(
    kind: str, target: str | Path | IO[bytes], *, user: User | None = None, filters: dict[str, str]
) -> int:
    cols, rows = _rows(kind, user, {k: v for k, v in filters.items() if v})
    notes = [(FILTER_LABELS.get(k, k), v) for k, v in filters.items() if v] or [("筛选条件", "全部")]
    return write_ledger(
        target, cols, rows, title=TITLES[kind], notes=notes, sheet_rows=settings.NUANQI_SHEET_ROWS
    )

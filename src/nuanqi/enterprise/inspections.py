"""无事不扰: planning inspections of companies with the recent-inspection warning, per-period counts and
proposals to merge several units' visits into one joint visit (综合查一次)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone

from nuanqi.accounts.models import Role, Unit, record_setting_change
from nuanqi.cases.errors import Forbidden, Invalid

from .models import Company, Inspection, InspectionStatus

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


def window_days() -> int:
    """The warning window: NUANQI_INSPECTION_WINDOW_DAYS in settings, default 30 days."""
    return int(getattr(settings, "NUANQI_INSPECTION_WINDOW_DAYS", 30))


JOINT_DAYS = 14


def recent_inspections(company: Company, on: date, days: int | None = None) -> QuerySet[Inspection]:
    """Inspections of the company (done, or still planned) within `days` before or on `on`."""
    days = window_days() if days is None else days
    return (
        Inspection.objects.filter(
            company=company, planned_on__gte=on - timedelta(days=days), planned_on__lte=on
        )
        .exclude(status=InspectionStatus.CANCELLED)
        .select_related("unit")
    )


def warning_for(company: Company, on: date, days: int | None = None) -> str:
    days = window_days() if days is None else days
    recent = list(recent_inspections(company, on, days))
    if not recent:
        return ""
    last = max(recent, key=lambda i: i.planned_on)
    return (
        f"无事不扰提醒：{company.name} 在 {days} 天内已安排或接受 {len(recent)} 次检查"
        f"（最近一次 {last.planned_on:%Y-%m-%d}，{last.unit.label}：{last.purpose}），请考虑合并检查或推迟"
    )


def _may_plan(actor: User, unit: Unit) -> bool:
    return actor.has_role(Role.ADMIN, Role.DISPATCHER) or (
        actor.has_role(Role.HANDLER) and actor.unit_id == unit.pk
    )


def _label(i: Inspection) -> str:
    return f"{i.company.name}：{i.purpose}（{i.unit.label}）"


def _plain(name: str, value: object) -> object:
    """A value as the audit row keeps it: units by name, dates as ISO text, the status by its label."""
    if isinstance(value, Unit):
        return value.label
    if isinstance(value, date):
        return value.isoformat()
    if name == "status" and value:
        return str(InspectionStatus(str(value)).label)
    return value


def plan_inspection(
    company: Company, unit: Unit, planned_on: date, purpose: str, *, actor: User
) -> Inspection:
    """A unit plans to inspect a company. The plan is kept even when warned; the warning is recorded, and the
    plan leaves its audit row (SettingChange) in the same transaction."""
    if not _may_plan(actor, unit):
        raise Forbidden("只能为本单位登记检查计划")
    purpose = (purpose or "").strip()
    if not purpose:
        raise Invalid("请填写检查事项", "missing_field", field="purpose")
    warning = warning_for(company, planned_on)
    with transaction.atomic():
        made = Inspection.objects.create(
            company=company,
            unit=unit,
            planned_on=planned_on,
            purpose=purpose,
            warning=warning,
            created_by=actor,
        )
        record_setting_change(
            actor,
            "inspection",
            made,
            _label(made),
            "create",
            {
                "unit": unit.label,
                "planned_on": planned_on.isoformat(),
                "purpose": purpose,
                "warning": warning,
            },
        )
    return made


INSPECTION_FIELDS = ("unit", "planned_on", "purpose", "status", "done_on")


def update_inspection(inspection: Inspection, data: dict[str, Any], *, actor: User) -> Inspection:
    """Change a planned inspection (unit, day, purpose), record it as done (with the day it happened) or
    cancel it. The office, or a handler of the inspecting unit for its own plans (and for its own unit only).
    One audit row with each changed value, old → new; nothing changed writes nothing."""
    with transaction.atomic():
        i = Inspection.objects.select_for_update().select_related("company", "unit").get(pk=inspection.pk)
        unit = data.get("unit", i.unit)
        if not (_may_plan(actor, i.unit) and _may_plan(actor, unit)):
            raise Forbidden("只能修改本单位的检查计划")
        values = {f: data.get(f, getattr(i, f)) for f in INSPECTION_FIELDS}
        values["purpose"] = str(values["purpose"] or "").strip()
        if not values["purpose"]:
            raise Invalid("请填写检查事项", "missing_field", field="purpose")
        if values["planned_on"] is None:
            raise Invalid("请填写计划日期", "missing_field", field="planned_on")
        status = values["status"]
        if status not in InspectionStatus.values:
            raise Invalid("状态不正确", "invalid_choice", field="status")
        if status == InspectionStatus.DONE:
            if values["done_on"] is None:
                raise Invalid("已检查的须填写检查日期", "missing_field", field="done_on")
            if values["done_on"] > timezone.localdate():
                raise Invalid("检查日期不能晚于今天", "invalid_date", field="done_on")
        else:
            values["done_on"] = None  # only an inspection that happened has the day it happened
        changes: dict[str, Any] = {}
        for f in INSPECTION_FIELDS:
            old, new = getattr(i, f), values[f]
            if _plain(f, old) != _plain(f, new):
                changes[f] = [_plain(f, old), _plain(f, new)]
            setattr(i, f, new)
        if not changes:
            return i
        i.save()
        record_setting_change(actor, "inspection", i, _label(i), "update", changes)
    return i


def cancel_inspection(inspection: Inspection, *, actor: User) -> Inspection:
    """Cancel a plan (kept, counted no more)."""
    return update_inspection(inspection, {"status": InspectionStatus.CANCELLED}, actor=actor)


@dataclass
class JointProposal:
    company: Company
    inspections: list[Inspection]
    on: date  # the proposed joint day: the earliest planned day

    @property
    def units(self) -> list[str]:
        return sorted({i.unit.label for i in self.inspections})


def joint_proposals(
    companies: QuerySet[Company] | None = None, days: int = JOINT_DAYS
) -> list[JointProposal]:
    """Groups of planned inspections of one company by two or more units within `days` of each other."""
    qs = Inspection.objects.filter(status=InspectionStatus.PLANNED, joint_visit="").select_related(
        "unit", "company"
    )
    if companies is not None:
        qs = qs.filter(company__in=companies)
    by_company: dict[int, list[Inspection]] = defaultdict(list)
    for i in qs.order_by("company_id", "planned_on", "id"):
        by_company[i.company_id].append(i)
    out: list[JointProposal] = []
    for items in by_company.values():
        start = 0
        while start < len(items):
            end = start
            while end + 1 < len(items) and (items[end + 1].planned_on - items[start].planned_on).days <= days:
                end += 1
            group = items[start : end + 1]
            if len({i.unit_id for i in group}) >= 2:
                out.append(JointProposal(group[0].company, group, group[0].planned_on))
            start = end + 1
    return out


def merge_joint_visit(inspection_ids: list[int], on: date, *, actor: User) -> str:
    """Merge planned inspections of one company into one joint visit on `on`."""
    if not actor.has_role(Role.ADMIN, Role.DISPATCHER, Role.COMMISSIONER):
        raise Forbidden("只有营商办或暖企专员可以组织综合查一次")
    with transaction.atomic():
        items = list(
            Inspection.objects.select_for_update().filter(
                pk__in=inspection_ids, status=InspectionStatus.PLANNED
            )
        )
        if len(items) < 2 or len(items) != len(set(inspection_ids)):
            raise Invalid("请选择至少两项尚未实施的检查计划", "invalid_selection")
        if len({i.company_id for i in items}) != 1:
            raise Invalid("综合查一次只能合并同一家企业的检查", "invalid_selection")
        label = f"综合查一次-{on:%Y-%m-%d}"
        for i in items:
            i.joint_visit = label
            i.planned_on = on
            i.save(update_fields=["joint_visit", "planned_on"])
    return label


def counts_by_year(company: Company) -> list[tuple[int, int]]:
    """(year, inspections) for the company, cancelled ones excluded."""
    rows = (
        Inspection.objects.filter(company=company)
        .exclude(status=InspectionStatus.CANCELLED)
        .annotate(year=ExtractYear("planned_on"))
        .values("year")
        .annotate(n=Count("id"))
        .order_by("year")
    )
    return [(r["year"], r["n"]) for r in rows]

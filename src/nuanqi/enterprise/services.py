"""Writers of the enterprise records. Each mutation is atomic and validated; refusals change nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from nuanqi.accounts.models import Role, Unit, UnitKind, record_setting_change
from nuanqi.cases import coerce
from nuanqi.cases.errors import Forbidden, Invalid
from nuanqi.cases.models import Case, Task
from nuanqi.cases.visibility import visible_cases
from nuanqi.lib.uscc import UsccError
from nuanqi.lib.uscc import validate as validate_uscc

from .models import Assignment, Commissioner, Company, Scale, WorkLogEntry

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


@dataclass
class NewCompany:
    name: str
    uscc: str
    industry: str = ""
    industry_name: str = ""
    scale: str = ""
    above_scale: bool = False
    town: Any = None
    address: str = ""
    key_company: bool = False
    contact_name: str = ""
    contact_phone: str = ""


def create_company(data: NewCompany, *, actor: User) -> Company:
    if not actor.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Forbidden("只有营商办工作人员可以登记企业")
    name = (data.name or "").strip()
    if not name:
        raise Invalid("请填写企业名称", "missing_field", field="name")
    try:
        code = validate_uscc(data.uscc)
    except UsccError as exc:
        raise Invalid(str(exc), "invalid_uscc", field="uscc") from None
    if Company.objects.filter(Q(name=name) | Q(uscc=code)).exists():
        raise Invalid(f"企业“{name}”或信用代码 {code} 已登记", "duplicate_company", field="uscc")
    scale = coerce.choice(Scale, data.scale, "规模", "scale") if data.scale else ""
    town: Unit | None = None
    if data.town not in (None, ""):
        town = coerce.unit(data.town, field="town", label="镇街")
        if town.kind != UnitKind.TOWN:
            raise Invalid(f"“{town.name}”不是镇（街道）", "invalid_town", field="town")
    return Company.objects.create(
        name=name,
        uscc=code,
        industry=data.industry.strip(),
        industry_name=data.industry_name.strip(),
        scale=scale,
        above_scale=data.above_scale,
        town=town,
        address=data.address.strip(),
        key_company=data.key_company,
        contact_name=data.contact_name.strip(),
        contact_phone=data.contact_phone.strip(),
    )


def assign(
    commissioner: Commissioner, company: Company, *, on: date, actor: User | None, note: str = ""
) -> Assignment:
    """Put a commissioner on a company; the previous one's assignment ends that day (handover).

    The successor inherits the company's open items: a commissioner's cases are those of the companies he
    serves now, so they move with the assignment, while the predecessor's history stays in the timeline.
    `actor` None is the server's operator (the command line)."""
    if actor is not None and not actor.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Forbidden("只有营商办工作人员可以调整派驻关系")
    if not commissioner.active:
        raise Invalid(f"{commissioner} 已不在岗", "inactive_commissioner")
    with transaction.atomic():
        current = (
            Assignment.objects.select_for_update().filter(company=company, ended_on__isnull=True).first()
        )
        if current and current.commissioner_id == commissioner.pk:
            return current
        if current:
            if on < current.started_on:
                raise Invalid("交接日期不能早于现任专员的派驻日期", "invalid_date")
            current.ended_on = on
            current.save(update_fields=["ended_on"])
        made = Assignment.objects.create(commissioner=commissioner, company=company, started_on=on, note=note)
        if actor is not None:  # the audit row of who moved whom (the operator's command line is its own log)
            record_setting_change(
                actor,
                "assignment",
                made,
                f"{company.name}：{commissioner}",
                "create",
                {
                    "company": company.name,
                    "commissioner": str(commissioner),
                    "started_on": on.isoformat(),
                    "predecessor": str(current.commissioner) if current else "",
                    "note": note,
                },
            )
        return made


@dataclass
class NewLogEntry:
    date: date
    note: str
    time: time | None = None
    place: str = ""
    unit: Any = None
    company: Any = None
    case: str = ""
    task: int | None = None


def add_log_entry(data: NewLogEntry, *, actor: User) -> WorkLogEntry:
    """Write one line of the actor's own 工作笔记."""
    note = (data.note or "").strip()
    if not note:
        raise Invalid("请填写记录内容", "missing_field", field="note")
    if data.date > timezone.localdate():
        raise Invalid("工作笔记不能记在将来的日期", "invalid_date", field="date")
    unit = coerce.unit(data.unit, field="unit", label="走访单位") if data.unit not in (None, "") else None
    case: Case | None = None
    task: Task | None = None
    if data.case:
        case = visible_cases(actor).filter(number=str(data.case).strip()).first()
        if case is None:
            raise Invalid(f"找不到事项“{data.case}”", "unknown_case", field="case")
    if data.task:
        task = (
            Task.objects.filter(pk=int(data.task), case=case).select_related("unit").first() if case else None
        )
        if task is None:
            raise Invalid("协办任务须属于所选事项", "unknown_task", field="task")
        unit = unit or task.unit
    company: Company | None = None
    if data.company not in (None, ""):
        from .access import visible_companies

        company = visible_companies(actor).filter(pk=int(str(data.company))).first()
        if company is None:
            raise Invalid("找不到该企业", "unknown_company", field="company")
    elif case is not None and case.subject_type == "company":
        company = Company.objects.filter(pk=int(case.subject_id or 0)).first()
    return WorkLogEntry.objects.create(
        person=actor,
        date=data.date,
        time=data.time,
        place=(data.place or "").strip(),
        unit=unit,
        company=company,
        case=case,
        task=task,
        note=note,
    )

"""Writers of the programme's records around a company: confidential notes, projects and milestones,
policy applications. Each is atomic and validated; a refusal changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from nuanqi.accounts.models import Role, record_setting_change
from nuanqi.cases import coerce
from nuanqi.cases.errors import Forbidden, Invalid
from nuanqi.columns import decimal_value

from .access import confidential_companies
from .models import (
    ApplicationStatus,
    Assignment,
    Company,
    CompanyContact,
    ConfidentialNote,
    Indicator,
    Milestone,
    Policy,
    PolicyApplication,
    Project,
    Stage,
)

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


def is_office(user: User) -> bool:
    return user.has_role(Role.ADMIN, Role.DISPATCHER)


def serves(user: User, company: Company) -> bool:
    return Assignment.objects.filter(
        commissioner__user_id=user.pk, company=company, ended_on__isnull=True
    ).exists()


def is_contact(user: User, company: Company) -> bool:
    return CompanyContact.objects.filter(user_id=user.pk, company=company).exists()


def require_manager(user: User, company: Company, what: str) -> None:
    """The office or the company's serving commissioner."""
    if not (is_office(user) or serves(user, company)):
        raise Forbidden(f"只有营商办或该企业的暖企专员可以{what}")


def add_confidential_note(company: Company, text: str, *, actor: User) -> ConfidentialNote:
    if not confidential_companies(actor).filter(pk=company.pk).exists():
        raise Forbidden("您无权记录该企业的保密信息（须为在岗且已签订保密条约的服务专员或营商办）")
    text = (text or "").strip()
    if not text:
        raise Invalid("请填写内容", "missing_field", field="text")
    return ConfidentialNote.objects.create(company=company, text=text, author=actor)


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def create_project(
    company: Company,
    *,
    name: str,
    investment: Decimal | float | int = 0,
    capacity: str = "",
    description: str = "",
    plan: dict[str, date] | None = None,
    actor: User,
) -> Project:
    """A project with its milestone plan ({stage code or label: planned date}) and its audit row."""
    require_manager(actor, company, "登记企业项目")
    name = (name or "").strip()
    if not name:
        raise Invalid("请填写项目名称", "missing_field", field="name")
    invest = decimal_value(Project, "investment", investment, minimum=0)
    stages = {coerce.choice(Stage, k, "节点", "stage"): v for k, v in (plan or {}).items()}
    with transaction.atomic():
        project = Project.objects.create(
            company=company, name=name, investment=invest, capacity=capacity.strip(), description=description
        )
        Milestone.objects.bulk_create(
            [Milestone(project=project, stage=s, planned_on=stages.get(s)) for s in Stage.values]
        )
        record_setting_change(
            actor,
            "company_project",
            project,
            f"{company.name}：{name}",
            "create",
            {
                "company": company.name,
                "name": name,
                "investment": f"{invest:.2f}",
                "capacity": project.capacity,
                **{f"{Stage(s).label}·计划": _day(d) for s, d in stages.items() if d},
            },
        )
    return project


PROJECT_FIELDS = ("name", "investment", "capacity", "description")


def update_project(
    project: Project,
    data: dict[str, Any],
    *,
    actor: User,
    milestones: dict[str, tuple[date | None, date | None]] | None = None,
) -> Project:
    """Change a project's name, investment, capacity or description and its milestones ({stage: (planned,
    actual)}; None clears a date) in one transaction with one audit row of what changed, old → new. The
    office or the company's serving commissioner; an actual date cannot lie in the future."""
    require_manager(actor, project.company, "修改企业项目")
    today = timezone.localdate()
    plan = {coerce.choice(Stage, k, "节点", "stage"): v for k, v in (milestones or {}).items()}
    for code, (_planned, actual) in plan.items():
        if actual and actual > today:
            raise Invalid("实际日期不能晚于今天", "invalid_date", field=f"actual_{code}")
    with transaction.atomic():
        p = Project.objects.select_for_update().select_related("company").get(pk=project.pk)
        changes: dict[str, Any] = {}
        for f in PROJECT_FIELDS:
            if f not in data:
                continue
            new: Any = data[f]
            if f == "name":
                new = str(new or "").strip()
                if not new:
                    raise Invalid("请填写项目名称", "missing_field", field="name")
            elif f == "investment":
                new = decimal_value(Project, "investment", new, minimum=0)
            else:
                new = str(new or "").strip()
            old = getattr(p, f)
            if old != new:  # Decimals compare by value: 8000 is 8000.00
                changes[f] = [f"{old:.2f}", f"{new:.2f}"] if f == "investment" else [old, new]
            setattr(p, f, new)
        current = {m.stage: m for m in Milestone.objects.select_for_update().filter(project=p)}
        for code, (planned, actual) in plan.items():
            m = current.get(code) or Milestone(project=p, stage=code)
            label = Stage(code).label
            for attr, value, word in (("planned_on", planned, "计划"), ("actual_on", actual, "实际")):
                if getattr(m, attr) != value:
                    changes[f"{label}·{word}"] = [_day(getattr(m, attr)), _day(value)]
                    setattr(m, attr, value)
            m.save()
        if changes:
            p.save()
            record_setting_change(
                actor, "company_project", p, f"{p.company.name}：{p.name}", "update", changes
            )
    return p


def set_milestone(
    project: Project,
    stage: Any,
    *,
    actor: User,
    planned_on: date | None = None,
    actual_on: date | None = None,
) -> Milestone:
    """Record a milestone's plan or what happened (a date left out is kept); a date in the future cannot be an
    actual date. The change leaves its audit row."""
    require_manager(actor, project.company, "更新项目节点")
    code = coerce.choice(Stage, stage, "节点", "stage")
    if actual_on and actual_on > timezone.localdate():
        raise Invalid("实际日期不能晚于今天", "invalid_date", field="actual_on")
    with transaction.atomic():
        m, _created = Milestone.objects.select_for_update().get_or_create(project=project, stage=code)
        update_project(
            project,
            {},
            actor=actor,
            milestones={
                code: (
                    planned_on if planned_on is not None else m.planned_on,
                    actual_on if actual_on is not None else m.actual_on,
                )
            },
        )
        m.refresh_from_db()
    return m


_NEXT = {
    ApplicationStatus.PUSHED: {ApplicationStatus.APPLIED, ApplicationStatus.GRANTED},
    ApplicationStatus.APPLIED: {ApplicationStatus.GRANTED, ApplicationStatus.REFUSED},
    ApplicationStatus.GRANTED: set(),
    ApplicationStatus.REFUSED: {ApplicationStatus.APPLIED},
}


def track_application(
    policy: Policy,
    company: Company,
    status: Any,
    *,
    actor: User,
    on: date | None = None,
    amount: Decimal | float | None = None,
    note: str = "",
) -> PolicyApplication:
    """Move a company's application for a policy: 已推送 → 已申报 → 已兑现 (amount) or 未获批."""
    if not (is_office(actor) or serves(actor, company) or is_contact(actor, company)):
        raise Forbidden("只有营商办、服务专员或企业本身可以登记政策申报")
    target = coerce.choice(ApplicationStatus, status, "申报状态", "status")
    on = on or timezone.localdate()
    if target == ApplicationStatus.GRANTED:
        if amount is None:
            raise Invalid("兑现须填写金额（万元）", "missing_field", field="amount")
        amount = decimal_value(PolicyApplication, "amount", amount, minimum=0)
        if policy.max_amount is not None and amount > policy.max_amount:
            raise Invalid(
                f"兑现金额超过政策最高额度 {policy.max_amount} 万元", "invalid_number", field="amount"
            )
    with transaction.atomic():
        app, created = PolicyApplication.objects.select_for_update().get_or_create(
            policy=policy, company=company, defaults={"updated_by": actor}
        )
        if not created and target != app.status and target not in _NEXT[ApplicationStatus(app.status)]:
            raise Invalid(
                f"申报状态不能从“{app.get_status_display()}”改为“{ApplicationStatus(target).label}”",
                "invalid_transition",
                field="status",
            )
        app.status = target
        if target == ApplicationStatus.APPLIED:
            app.applied_on = on
        if target == ApplicationStatus.GRANTED:
            app.granted_on = on
            app.applied_on = app.applied_on or on
            app.amount = amount
        app.note = note or app.note
        app.updated_by = actor
        app.updated_at = timezone.now()
        app.save()
    return app


def create_policy(data: dict[str, Any], *, actor: User, match: bool = True) -> Policy:
    """A policy with structured eligibility; every criterion is checked before anything is written. The new
    policy is matched against every company at once (`match=False` when a bulk load recomputes afterwards)."""
    from nuanqi.accounts.models import Unit, UnitKind
    from nuanqi.lib import gbt4754

    from .matching import OPS
    from .models import Level, Metric, Scale

    if not is_office(actor):
        raise Forbidden("只有营商办可以登记惠企政策")
    title = str(data.get("title") or "").strip()
    if not title:
        raise Invalid("请填写政策名称", "missing_field", field="title")
    level = coerce.choice(Level, data.get("level") or "district", "层级", "level")
    try:
        industries = [gbt4754.parse(v).code for v in data.get("industries") or []]
    except gbt4754.IndustryError as exc:
        raise Invalid(str(exc), "invalid_industry", field="industries") from None
    scales = [coerce.choice(Scale, v, "规模", "scales") for v in data.get("scales") or []]
    towns = [str(t).strip() for t in data.get("towns") or []]
    known = set(Unit.objects.filter(kind=UnitKind.TOWN, name__in=towns).values_list("name", flat=True))
    for t in towns:
        if t not in known:
            raise Invalid(f"“{t}”不是本区的镇（街道）", "invalid_town", field="towns")
    thresholds = []
    for t in data.get("thresholds") or []:
        metric = coerce.choice(Metric, t.get("metric"), "指标", "thresholds")
        op = str(t.get("op", ">="))
        if op not in OPS:
            raise Invalid(f"比较符“{op}”无效（可选：>=、>、<=、<）", "invalid_choice", field="thresholds")
        # A threshold compares with an indicator, so it is a number that column could hold.
        value = float(decimal_value(Indicator, "value", t.get("value"), minimum=0, field="thresholds"))
        thresholds.append({"metric": metric, "op": op, "value": value})
    if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
        raise Invalid("有效期止不能早于有效期起", "invalid_date", field="valid_to")
    with transaction.atomic():  # the policy and its audit row together
        policy = Policy.objects.create(
            title=title,
            level=level,
            issuer=str(data.get("issuer") or ""),
            doc_number=str(data.get("doc_number") or ""),
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
            deadline=data.get("deadline"),
            benefit=str(data.get("benefit") or ""),
            max_amount=(
                None
                if data.get("max_amount") in (None, "")
                else decimal_value(Policy, "max_amount", data["max_amount"], minimum=0)
            ),
            auto_grant=bool(data.get("auto_grant")),
            industries=industries,
            scales=scales,
            above_scale_only=bool(data.get("above_scale_only")),
            towns=towns,
            tags=[str(t).strip() for t in data.get("tags") or [] if str(t).strip()],
            thresholds=thresholds,
        )
        record_setting_change(
            actor,
            "policy",
            policy,
            policy.title,
            "create",
            {
                "title": title,
                "level": level,
                "doc_number": policy.doc_number,
                "max_amount": str(policy.max_amount or ""),
            },
        )
    if match:
        from .matching import recompute_policy

        recompute_policy(policy)
    return policy

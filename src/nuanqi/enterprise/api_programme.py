"""/api/v1 for the programme: confidential notes, work list, projects, policies and matches, inspections,
indicators and comparisons, the programme overview. Same visibility as the pages: a company the caller may
not see — or whose confidential records he may not open — answers 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Schema, Status
from pydantic import Field

from nuanqi.accounts.models import Role, User
from nuanqi.cases import kinds
from nuanqi.cases.access import resolve_subject
from nuanqi.cases.coerce import unit as coerce_unit
from nuanqi.cases.errors import Forbidden
from nuanqi.cases.visibility import get_visible_case
from nuanqi.columns import CaseNumber, Code, Fits, Id, LocalTime, RowRef

from . import inspections as insp
from . import records
from .access import confidential_companies, visible_companies
from .api import router
from .exports import describe
from .matching import recompute_all
from .models import (
    Assignment,
    Batch,
    Commissioner,
    Company,
    ConfidentialNote,
    Indicator,
    Inspection,
    Policy,
    PolicyApplication,
    PolicyMatch,
    Project,
)
from .outcomes import compare_company, compare_programme, record_indicator
from .worklist import company_worklist, errands, plan_errands


def _u(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _company(request: HttpRequest, company_id: Id) -> Company:
    return visible_companies(_u(request)).get(pk=company_id)


# ---------------------------------------------------------------- confidential


class NoteOut(Schema):
    id: int
    text: str
    author: str
    created_at: dt.datetime


class NoteIn(Schema):
    text: Annotated[str, Fits(ConfidentialNote, "text")]


@router.get("/companies/{company_id}/confidential", response=list[NoteOut], summary="企业保密信息")
def list_confidential(request: HttpRequest, company_id: Id) -> list[NoteOut]:
    company = confidential_companies(_u(request)).get(pk=company_id)
    return [
        NoteOut(id=n.pk, text=n.text, author=str(n.author), created_at=n.created_at)
        for n in ConfidentialNote.objects.filter(company=company).select_related("author")
    ]


@router.post("/companies/{company_id}/confidential", response={201: NoteOut}, summary="记录保密信息")
def add_confidential(request: HttpRequest, company_id: Id, payload: NoteIn) -> Status[NoteOut]:
    company = confidential_companies(_u(request)).get(pk=company_id)
    n = records.add_confidential_note(company, payload.text, actor=_u(request))
    return Status(201, NoteOut(id=n.pk, text=n.text, author=str(n.author), created_at=n.created_at))


# ---------------------------------------------------------------- work list and errands


@router.get("/companies/{company_id}/worklist", summary="企业工作清单（5大类、两个渠道、按主次缓急）")
def worklist(request: HttpRequest, company_id: Id, kind: Code = "request") -> dict[str, Any]:
    wl = company_worklist(_u(request), _company(request, company_id), kind)
    return {
        "total": wl.total,
        "open": wl.open,
        "channels": dict(wl.channels),
        "groups": [
            {
                "name": g.name,
                "total": g.total,
                "open": g.open,
                "channels": g.channels,
                "items": [
                    {
                        "leaf": leaf.name,
                        "number": r["case"].number,
                        "title": r["case"].title,
                        "priority": r["case"].priority,
                        "status": r["case"].status,
                        "channel": r["case"].channel,
                        "resolve_due": r["case"].resolve_due,
                        "sla": r["sla"],
                    }
                    for leaf in g.leaves
                    for r in leaf.rows
                ],
            }
            for g in wl.groups
        ],
    }


class ErrandPlanIn(Schema):
    date: dt.date
    tasks: Annotated[list[Id], Field(max_length=200)]
    start: LocalTime = dt.time(8, 40)


@router.get("/errands/{number}", summary="跑腿：尚需跑办的单位（区内/区外）")
def errand_view(request: HttpRequest, number: CaseNumber) -> dict[str, Any]:
    e = errands(_u(request), get_visible_case(_u(request), number))

    def row(t: Any) -> dict[str, Any]:
        return {"task": t.pk, "unit": t.unit.name, "status": t.status, "note": t.note}

    return {
        "done": e.done,
        "total": e.total,
        "inside": [row(t) for t in e.inside],
        "outside": [row(t) for t in e.outside],
    }


@router.post("/errands/{number}/plan", response={201: dict}, summary="把跑腿单位排入某日工作笔记")
def errand_plan(request: HttpRequest, number: CaseNumber, payload: ErrandPlanIn) -> Status[dict[str, Any]]:
    case = get_visible_case(_u(request), number)
    rows = plan_errands(_u(request), case, payload.tasks, payload.date, start=payload.start)
    return Status(
        201,
        {
            "planned": len(rows),
            "entries": [{"id": r.pk, "time": r.time, "unit": r.unit.name if r.unit else None} for r in rows],
        },
    )


# ---------------------------------------------------------------- projects


class CompanyMilestoneOut(Schema):
    stage: str
    label: str
    planned_on: dt.date | None
    actual_on: dt.date | None
    days_ahead: int | None


class CompanyProjectOut(Schema):
    id: int
    name: str
    investment: Decimal
    capacity: str
    milestones: list[CompanyMilestoneOut]
    open_cases: list[str]


class ProjectIn(Schema):
    name: Annotated[str, Fits(Project, "name")]
    investment: Annotated[Decimal, Fits(Project, "investment", minimum=0)] = Decimal(0)
    capacity: Annotated[str, Fits(Project, "capacity")] = ""
    description: Annotated[str, Fits(Project, "description")] = ""
    plan: dict[str, dt.date] = {}


class MilestoneIn(Schema):
    stage: Code
    planned_on: dt.date | None = None
    actual_on: dt.date | None = None


def _project_out(p: Project) -> CompanyProjectOut:
    ms = sorted(p.milestones.all(), key=lambda m: m.sort_key)
    return CompanyProjectOut(
        id=p.pk,
        name=p.name,
        investment=p.investment,
        capacity=p.capacity,
        milestones=[
            CompanyMilestoneOut(
                stage=m.stage,
                label=str(m.get_stage_display()),
                planned_on=m.planned_on,
                actual_on=m.actual_on,
                days_ahead=m.days_ahead,
            )
            for m in ms
        ],
        open_cases=[c.number for c in p.cases.all() if c.phase == kinds.OPEN],
    )


@router.get("/companies/{company_id}/projects", response=list[CompanyProjectOut], summary="企业项目与节点")
def list_projects(request: HttpRequest, company_id: Id) -> list[CompanyProjectOut]:
    company = _company(request, company_id)
    return [
        _project_out(p)
        for p in Project.objects.filter(company=company).prefetch_related("milestones", "cases")
    ]


@router.post("/companies/{company_id}/projects", response={201: CompanyProjectOut}, summary="登记企业项目")
def add_project(request: HttpRequest, company_id: Id, payload: ProjectIn) -> Status[CompanyProjectOut]:
    company = _company(request, company_id)
    p = records.create_project(
        company,
        name=payload.name,
        investment=payload.investment,
        capacity=payload.capacity,
        description=payload.description,
        plan=payload.plan,
        actor=_u(request),
    )
    return Status(201, _project_out(p))


@router.post(
    "/companies/{company_id}/projects/{project_id}/milestones",
    response=CompanyProjectOut,
    summary="更新企业项目节点（计划/实际日期）",
)
def set_milestone(
    request: HttpRequest, company_id: Id, project_id: Id, payload: MilestoneIn
) -> CompanyProjectOut:
    p = Project.objects.filter(company_id=company_id, company__in=visible_companies(_u(request))).get(
        pk=project_id
    )
    records.set_milestone(
        p, payload.stage, actor=_u(request), planned_on=payload.planned_on, actual_on=payload.actual_on
    )
    return _project_out(Project.objects.prefetch_related("milestones", "cases").get(pk=p.pk))


# ---------------------------------------------------------------- policies


class PolicyOut(Schema):
    id: int
    title: str
    level: str
    issuer: str
    doc_number: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    deadline: dt.date | None
    benefit: str
    max_amount: Decimal | None
    auto_grant: bool
    eligibility: str


class PolicyIn(Schema):
    title: Annotated[str, Fits(Policy, "title")]
    level: Code = "district"
    issuer: Annotated[str, Fits(Policy, "issuer")] = ""
    doc_number: Annotated[str, Fits(Policy, "doc_number")] = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    deadline: dt.date | None = None
    benefit: Annotated[str, Fits(Policy, "benefit")] = ""
    max_amount: Annotated[Decimal, Fits(Policy, "max_amount", minimum=0)] | None = None
    auto_grant: bool = False
    industries: Annotated[list[Code], Field(max_length=100)] = []
    scales: Annotated[list[Code], Field(max_length=10)] = []
    above_scale_only: bool = False
    towns: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=100)] = []
    tags: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=50)] = []
    thresholds: Annotated[list[dict[str, Any]], Field(max_length=20)] = []


def _policy_out(p: Policy) -> PolicyOut:
    return PolicyOut(
        id=p.pk,
        title=p.title,
        level=p.level,
        issuer=p.issuer,
        doc_number=p.doc_number,
        valid_from=p.valid_from,
        valid_to=p.valid_to,
        deadline=p.deadline,
        benefit=p.benefit,
        max_amount=p.max_amount,
        auto_grant=p.auto_grant,
        eligibility=describe(p),
    )


@router.get("/policies", response=list[PolicyOut], summary="惠企政策库")
def list_policies(request: HttpRequest, level: Code = "") -> list[PolicyOut]:
    qs = Policy.objects.filter(active=True).order_by("-id")
    if level:
        qs = qs.filter(level=level)
    return [_policy_out(p) for p in qs[:1000]]


@router.post("/policies", response={201: PolicyOut}, summary="登记惠企政策（营商办）")
def add_policy(request: HttpRequest, payload: PolicyIn) -> Status[PolicyOut]:
    return Status(201, _policy_out(records.create_policy(payload.dict(), actor=_u(request))))


@router.post("/policies/match", summary="重新匹配全部企业与政策（营商办）")
def match_all(request: HttpRequest) -> dict[str, Any]:
    if not _u(request).has_role(Role.ADMIN, Role.DISPATCHER):
        raise Forbidden("只有营商办可以重新匹配政策")
    return recompute_all()


class MatchOut(Schema):
    policy: int
    title: str
    level: str
    reasons: str
    deadline: dt.date | None
    auto_grant: bool
    application: str | None
    amount: Decimal | None


@router.get("/companies/{company_id}/policies", response=list[MatchOut], summary="企业匹配的政策及理由")
def company_policies(request: HttpRequest, company_id: Id) -> list[MatchOut]:
    company = _company(request, company_id)
    apps = {a.policy_id: a for a in PolicyApplication.objects.filter(company=company)}
    out = []
    for m in PolicyMatch.objects.filter(company=company).select_related("policy").order_by("policy_id"):
        a = apps.get(m.policy_id)
        out.append(
            MatchOut(
                policy=m.policy_id,
                title=m.policy.title,
                level=m.policy.level,
                reasons=m.reasons,
                deadline=m.policy.deadline,
                auto_grant=m.policy.auto_grant,
                application=a.status if a else None,
                amount=a.amount if a else None,
            )
        )
    return out


class ApplicationIn(Schema):
    status: Code
    on: dt.date | None = None
    amount: Annotated[Decimal, Fits(PolicyApplication, "amount", minimum=0)] | None = None
    note: Annotated[str, Fits(PolicyApplication, "note")] = ""


@router.post("/companies/{company_id}/policies/{policy_id}/application", summary="政策申报/兑现登记")
def application(
    request: HttpRequest, company_id: Id, policy_id: Id, payload: ApplicationIn
) -> dict[str, Any]:
    company = _company(request, company_id)
    policy = Policy.objects.get(pk=policy_id)
    a = records.track_application(
        policy,
        company,
        payload.status,
        actor=_u(request),
        on=payload.on,
        amount=payload.amount,
        note=payload.note,
    )
    return {"status": a.status, "applied_on": a.applied_on, "granted_on": a.granted_on, "amount": a.amount}


# ---------------------------------------------------------------- inspections


class InspectionIn(Schema):
    company: RowRef
    planned_on: dt.date
    purpose: Annotated[str, Fits(Inspection, "purpose")]
    unit: RowRef | None = None


class InspectionOut(Schema):
    id: int
    company: str
    unit: str
    planned_on: dt.date
    status: str
    purpose: str
    joint_visit: str
    warning: str


def _inspection_out(i: Inspection) -> InspectionOut:
    return InspectionOut(
        id=i.pk,
        company=i.company.name,
        unit=i.unit.name,
        planned_on=i.planned_on,
        status=i.status,
        purpose=i.purpose,
        joint_visit=i.joint_visit,
        warning=i.warning,
    )


@router.post("/inspections", response={201: InspectionOut}, summary="登记检查计划（含无事不扰提醒）")
def plan(request: HttpRequest, payload: InspectionIn) -> Status[InspectionOut]:
    user = _u(request)
    ref = resolve_subject("company", user, payload.company)
    unit = (
        coerce_unit(payload.unit, field="unit", label="检查单位")
        if payload.unit not in (None, "")
        else user.unit
    )
    if unit is None:
        from nuanqi.cases.errors import Invalid

        raise Invalid("请选择检查单位", "missing_field", field="unit")
    i = insp.plan_inspection(
        Company.objects.get(pk=ref.id), unit, payload.planned_on, payload.purpose, actor=user
    )
    return Status(201, _inspection_out(Inspection.objects.select_related("company", "unit").get(pk=i.pk)))


@router.get("/companies/{company_id}/inspections", summary="企业的检查：次数、即将到来、合并建议")
def company_inspections(request: HttpRequest, company_id: Id) -> dict[str, Any]:
    company = _company(request, company_id)
    items = Inspection.objects.filter(company=company).select_related("company", "unit")
    if _u(request).is_external:
        # Planned inspections and the advisories about them are the administration's: the company sees
        # how often it was inspected, not when it will be.
        items = items.filter(planned_on__lt=timezone.localdate())
        return {
            "counts": [{"year": y, "count": n} for y, n in insp.counts_by_year(company)],
            "items": [_inspection_out(i).dict() for i in items],
            "joint_proposals": [],
        }
    return {
        "counts": [{"year": y, "count": n} for y, n in insp.counts_by_year(company)],
        "items": [_inspection_out(i).dict() for i in items],
        "joint_proposals": [
            {"on": p.on, "units": p.units, "inspections": [i.pk for i in p.inspections]}
            for p in insp.joint_proposals(Company.objects.filter(pk=company.pk))
        ],
    }


class JointIn(Schema):
    inspections: Annotated[list[Id], Field(max_length=50)]
    on: dt.date


@router.post("/inspections/joint", summary="合并为综合查一次")
def joint(request: HttpRequest, payload: JointIn) -> dict[str, Any]:
    user = _u(request)
    seen = Inspection.objects.filter(pk__in=payload.inspections, company__in=visible_companies(user)).count()
    if seen != len(set(payload.inspections)):
        raise Inspection.DoesNotExist
    return {"joint_visit": insp.merge_joint_visit(payload.inspections, payload.on, actor=user)}


# ---------------------------------------------------------------- indicators and the programme


class IndicatorIn(Schema):
    metric: Code
    period_kind: Code = "year"
    period_start: dt.date
    value: Annotated[Decimal, Fits(Indicator, "value", minimum=0)]


@router.get("/companies/{company_id}/indicators", summary="企业指标及派驻前后对比")
def company_indicators(request: HttpRequest, company_id: Id, kind: Code = "year") -> dict[str, Any]:
    company = _company(request, company_id)
    return {
        "items": list(
            company.indicators.order_by("metric", "period_start").values(
                "metric", "period_kind", "period_start", "period_end", "value", "source"
            )
        ),
        "comparison": [
            {
                "metric": c.metric,
                "label": c.label,
                "before": c.before,
                "before_period": c.before_period,
                "after": c.after,
                "after_period": c.after_period,
                "change_pct": c.change_pct,
                "text": c.text,
            }
            for c in compare_company(company, kind)
        ],
    }


@router.post("/companies/{company_id}/indicators", response={201: dict}, summary="填报企业指标")
def add_indicator(request: HttpRequest, company_id: Id, payload: IndicatorIn) -> Status[dict[str, Any]]:
    company = _company(request, company_id)
    row = record_indicator(
        company,
        payload.metric,
        payload.period_kind,
        payload.period_start,
        payload.value,
        actor=_u(request),
        source="api",
    )
    return Status(
        201, {"id": row.pk, "metric": row.metric, "period_start": row.period_start, "value": row.value}
    )


@router.get("/enterprise/programme", summary="暖企工程总览：批次、专员、服务企业、前后对比")
def programme(request: HttpRequest) -> dict[str, Any]:
    user = _u(request)
    if user.is_external:  # as the page: the programme's people are the administration's business
        raise Http404
    visible = set(visible_companies(user).values_list("pk", flat=True))
    assignments: dict[int, list[dict[str, Any]]] = {}
    rows = Assignment.objects.order_by("started_on").values_list(
        "commissioner_id", "company_id", "company__name", "started_on", "ended_on", named=True
    )
    for a in rows:
        if a.company_id in visible or user.sees_everything:
            assignments.setdefault(a.commissioner_id, []).append(
                {"company": a.company__name, "started_on": a.started_on, "ended_on": a.ended_on}
            )
    return {
        "batches": [
            {
                "number": b.number,
                "name": b.name,
                "started_on": b.started_on,
                "commissioners": [
                    {
                        "name": str(c.user),
                        "former_post": c.former_post,
                        "dispatched_on": c.dispatched_on,
                        "confidentiality_signed": c.confidentiality_signed,
                        "active": c.active,
                        "companies": assignments.get(c.pk, []),
                    }
                    for c in Commissioner.objects.filter(batch=b).select_related("user")
                ],
            }
            for b in Batch.objects.order_by("number")
        ],
        "outcomes": compare_programme() if user.sees_everything else [],
    }

"""/api/v1/companies and /api/v1/worklog."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from nuanqi.accounts.models import User
from nuanqi.cases.errors import Invalid
from nuanqi.columns import CaseNumber, Code, Fits, Id, LocalTime, Phone, RowRef, Search

from . import services
from .access import visible_companies
from .models import Company, WorkLogEntry

router = Router(tags=["暖企"])


class CompanyOut(Schema):
    id: int
    name: str
    uscc: str
    industry: str
    industry_name: str
    scale: str
    above_scale: bool
    town: str | None
    address: str
    key_company: bool
    commissioner: str | None


class CompanyIn(Schema):
    name: Annotated[str, Fits(Company, "name")]
    uscc: Annotated[str, Fits(length=40)]
    industry: Annotated[str, Fits(length=100)] = ""
    industry_name: Annotated[str, Fits(Company, "industry_name")] = ""
    scale: Code = ""
    above_scale: bool = False
    town: RowRef | None = None
    address: Annotated[str, Fits(Company, "address")] = ""
    key_company: bool = False
    contact_name: Annotated[str, Fits(Company, "contact_name")] = ""
    contact_phone: Annotated[Phone, Fits(Company, "contact_phone")] = ""


class LogOut(Schema):
    id: int
    date: dt.date
    time: LocalTime | None
    place: str
    unit: str | None
    company: str | None
    case: str | None
    task: int | None
    note: str


class LogIn(Schema):
    date: dt.date
    note: Annotated[str, Fits(WorkLogEntry, "note")]
    time: LocalTime | None = None
    place: Annotated[str, Fits(WorkLogEntry, "place")] = ""
    unit: RowRef | None = None
    company: Id | None = None
    case: CaseNumber = ""
    task: Id | None = None


def company_out(c: Company) -> CompanyOut:
    current = next((a for a in c.assignments.all() if a.ended_on is None), None)
    return CompanyOut(
        id=c.pk,
        name=c.name,
        uscc=c.uscc,
        industry=c.industry,
        industry_name=c.industry_name,
        scale=c.scale,
        above_scale=c.above_scale,
        town=c.town.name if c.town else None,
        address=c.address,
        key_company=c.key_company,
        commissioner=str(current.commissioner.user) if current else None,
    )


def _companies(user: User) -> Any:
    return visible_companies(user).select_related("town").prefetch_related("assignments__commissioner__user")


@router.get("/companies", response=list[CompanyOut], summary="企业列表")
def list_companies(request: HttpRequest, q: Search = "") -> list[CompanyOut]:
    qs = _companies(request.user)  # type: ignore[arg-type]
    if q:
        qs = qs.filter(name__contains=q.strip())
    return [company_out(c) for c in qs[:500]]


@router.post("/companies", response={201: CompanyOut}, summary="登记企业（校验统一社会信用代码）")
def create_company(request: HttpRequest, payload: CompanyIn) -> Status[CompanyOut]:
    company = services.create_company(services.NewCompany(**payload.dict()), actor=request.user)  # type: ignore[arg-type]
    return Status(201, company_out(_companies(request.user).get(pk=company.pk)))  # type: ignore[arg-type]


@router.get("/companies/{company_id}", response=CompanyOut, summary="企业详情")
def get_company(request: HttpRequest, company_id: Id) -> CompanyOut:
    return company_out(_companies(request.user).get(pk=company_id))  # type: ignore[arg-type]


def log_out(e: WorkLogEntry) -> LogOut:
    return LogOut(
        id=e.pk,
        date=e.date,
        time=e.time,
        place=e.place,
        unit=e.unit.name if e.unit else None,
        company=e.company.name if e.company else None,
        case=e.case.number if e.case else None,
        task=e.task_id,
        note=e.note,
    )


@router.get("/worklog", response=list[LogOut], summary="我的工作笔记")
def list_worklog(
    request: HttpRequest, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> list[LogOut]:
    qs = WorkLogEntry.objects.filter(person_id=request.user.pk).select_related("unit", "company", "case")
    if date_from and date_to and date_to < date_from:
        raise Invalid("结束日期不能早于开始日期", "invalid_query", field="date_to")
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return [log_out(e) for e in qs[:500]]


@router.post("/worklog", response={201: LogOut}, summary="记一条工作笔记")
def add_worklog(request: HttpRequest, payload: LogIn) -> Status[LogOut]:
    entry = services.add_log_entry(services.NewLogEntry(**payload.dict()), actor=request.user)  # type: ignore[arg-type]
    return Status(
        201, log_out(WorkLogEntry.objects.select_related("unit", "company", "case").get(pk=entry.pk))
    )


# The programme's endpoints live beside these, on the same router.
from . import api_programme  # noqa: E402, F401

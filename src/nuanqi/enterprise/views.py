"""Pages of the enterprise module: company list and page, confidential records, indicators, projects, the
work log. Every company is fetched through `access.visible_companies` (or `confidential_companies`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from nuanqi.accounts.models import User
from nuanqi.cases import kinds
from nuanqi.cases.errors import CaseError
from nuanqi.lib.cells import CellError, parse_date, parse_decimal

from . import inspections as insp
from . import records, services
from .access import confidential_companies, visible_companies
from .exports import export, filter_companies
from .forms import LogForm
from .models import (
    Assignment,
    Commissioner,
    Company,
    ConfidentialNote,
    Inspection,
    InspectionStatus,
    Metric,
    PeriodKind,
    PolicyApplication,
    PolicyMatch,
    Project,
    Scale,
    Stage,
    WorkLogEntry,
)
from .outcomes import compare_company, record_indicator
from .workflow import TASK
from .worklist import company_worklist


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _company(user: User, company_id: int) -> Company:
    try:
        return visible_companies(user).select_related("town").get(pk=company_id)
    except Company.DoesNotExist:
        raise Http404("未找到该企业") from None


COMPANY_FILTERS = ("town", "industry", "scale", "key", "q", "commissioner")


@login_required
def company_list(request: HttpRequest) -> HttpResponse | FileResponse:
    user = _user(request)
    f = {k: request.GET.get(k, "").strip() for k in COMPANY_FILTERS}
    qs = filter_companies(visible_companies(user), f).select_related("town")
    if request.GET.get("format") == "xlsx":
        return _xlsx(user, "companies", f)
    from django.db.models import Count

    companies = list(qs.annotate(policy_count=Count("policy_matches", distinct=True))[:500])
    from nuanqi.accounts.models import Unit, UnitKind

    # The list of one commissioner's companies (linked from the programme page) names him to staff.
    wanted = f["commissioner"]
    commissioner = None
    if wanted.isdigit() and len(wanted) < 19 and not user.is_external:
        commissioner = Commissioner.objects.select_related("user").filter(pk=int(wanted)).first()
    return render(
        request,
        "enterprise/company_list.html",
        {
            "companies": companies,
            "filters": f,
            "towns": Unit.objects.filter(kind=UnitKind.TOWN, active=True).order_by("sort", "name"),
            "scales": Scale.choices,
            "can_import": records.is_office(user),
            "commissioner": commissioner,
        },
    )


def _xlsx(user: User, kind: str, filters: dict[str, str]) -> FileResponse:
    import tempfile

    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    export(kind, tmp, user=user, filters=filters)
    tmp.seek(0)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return FileResponse(tmp, as_attachment=True, filename=f"{kind}-{stamp}.xlsx")


@login_required
def export_list(request: HttpRequest, kind: str) -> FileResponse:
    from .exports import INTERNAL_KINDS, KINDS

    if kind not in KINDS or (kind in INTERNAL_KINDS and _user(request).is_external):
        raise Http404
    filters = {k: str(v).strip() for k, v in request.GET.items() if str(v).strip()}
    return _xlsx(_user(request), kind, filters)


def _company_context(user: User, company: Company) -> dict[str, Any]:
    today = timezone.localdate()
    assignments = list(
        Assignment.objects.filter(company=company).select_related("commissioner__user", "commissioner__batch")
    )
    current = next((a for a in assignments if a.ended_on is None), None)
    projects = list(Project.objects.filter(company=company).prefetch_related("milestones", "cases"))
    for p in projects:
        open_cases = [c for c in p.cases.all() if c.phase == kinds.OPEN]
        p.plan = sorted(p.milestones.all(), key=lambda m: m.sort_key)  # type: ignore[attr-defined]
        p.open_cases = open_cases  # type: ignore[attr-defined]
    matches = list(
        PolicyMatch.objects.filter(company=company)
        .select_related("policy")
        .order_by("policy__deadline", "policy_id")
    )
    apps = {a.policy_id: a for a in PolicyApplication.objects.filter(company=company)}
    for m in matches:
        m.application = apps.get(m.policy_id)  # type: ignore[attr-defined]
    inspections = list(
        Inspection.objects.filter(company=company).select_related("unit").order_by("planned_on")
    )
    upcoming = [i for i in inspections if i.status == InspectionStatus.PLANNED and i.planned_on >= today]
    recent = [i for i in inspections if i.on >= today - timedelta(days=365) and i.on < today][-10:]
    worklist = company_worklist(user, company)
    # 跑腿 is the administration's (the errand page answers 404 to outsiders): no link a company contact
    # cannot follow.
    errand_cases = (
        []
        if user.is_external
        else [
            r["case"]
            for g in worklist.groups
            for leaf in g.leaves
            for r in leaf.rows
            if r["case"].status in kinds.statuses(kinds.OPEN, turn=kinds.TURN_LEAD_UNIT)
            and r["case"].tasks_done < r["case"].tasks_total
        ]
    )
    return {
        "company": company,
        "errand_cases": errand_cases,
        "assignments": assignments,
        "current": current,
        "worklist": worklist,
        "tasks": company_worklist(user, company, TASK),
        "can_see_confidential": confidential_companies(user).filter(pk=company.pk).exists(),
        "can_manage": records.is_office(user)
        or (current is not None and current.commissioner.user_id == user.pk),
        "can_report": records.is_office(user)
        or records.serves(user, company)
        or records.is_contact(user, company),
        "projects": projects,
        "matches": matches,
        "upcoming": upcoming,
        "recent": recent,
        "counts": insp.counts_by_year(company),
        "proposals": insp.joint_proposals(Company.objects.filter(pk=company.pk)),
        "window": insp.window_days(),
        "comparisons": compare_company(company),
        "metrics": Metric.choices,
        "period_kinds": PeriodKind.choices,
        "stages": Stage.choices,
    }


@login_required
def company_detail(request: HttpRequest, company_id: int) -> HttpResponse:
    user = _user(request)
    company = _company(user, company_id)
    return render(request, "enterprise/company_detail.html", _company_context(user, company))


@login_required
@require_http_methods(["GET", "POST"])
def confidential(request: HttpRequest, company_id: int) -> HttpResponse:
    """保密信息: 404 to anyone outside `confidential_companies`, exactly as if the company did not exist."""
    user = _user(request)
    try:
        company = confidential_companies(user).get(pk=company_id)
    except Company.DoesNotExist:
        raise Http404("未找到") from None
    if request.method == "POST":
        try:
            records.add_confidential_note(company, request.POST.get("text", ""), actor=user)
        except CaseError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已记录")
            return redirect("company_confidential", company.pk)
    notes = ConfidentialNote.objects.filter(company=company).select_related("author")
    return render(request, "enterprise/confidential.html", {"company": company, "notes": notes})


@login_required
@require_POST
def indicator_add(request: HttpRequest, company_id: int) -> HttpResponse:
    user = _user(request)
    company = _company(user, company_id)
    try:
        record_indicator(
            company,
            request.POST.get("metric"),
            request.POST.get("period_kind"),
            parse_date(request.POST.get("period_start", "")),
            parse_decimal(request.POST.get("value", "")),
            actor=user,
        )
    except CellError as exc:
        messages.error(request, str(exc))
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "指标已保存")
    return redirect(f"/companies/{company.pk}/#outcomes")


@login_required
@require_POST
def milestone_set(request: HttpRequest, company_id: int, project_id: int) -> HttpResponse:
    user = _user(request)
    project = Project.objects.filter(
        pk=project_id, company_id=company_id, company__in=visible_companies(user)
    ).first()
    if project is None:
        raise Http404
    try:
        actual = parse_date(request.POST["actual_on"]) if request.POST.get("actual_on") else None
        planned = parse_date(request.POST["planned_on"]) if request.POST.get("planned_on") else None
        records.set_milestone(
            project, request.POST.get("stage"), actor=user, planned_on=planned, actual_on=actual
        )
    except CellError as exc:
        messages.error(request, str(exc))
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "项目节点已更新")
    return redirect(f"/companies/{project.company_id}/#projects")


@login_required
@require_http_methods(["GET", "POST"])
def worklog(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.is_external:  # an internal page: outsiders get 404
        raise Http404
    form = LogForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.add_log_entry(
                services.NewLogEntry(
                    date=d["date"],
                    time=d["time"],
                    place=d["place"],
                    unit=d["unit"] or None,
                    case=d["case"],
                    note=d["note"],
                ),
                actor=user,
            )
        except CaseError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已记入工作笔记")
            return redirect("worklog")
    today = timezone.localdate()
    week_start = today - timedelta(days=today.weekday())
    entries = (
        WorkLogEntry.objects.filter(person=user, date__gte=today - timedelta(days=60))
        .select_related("unit", "company", "case")
        .order_by("-date", "time", "id")
    )
    days: dict[date, list[WorkLogEntry]] = {}
    for e in entries:
        days.setdefault(e.date, []).append(e)
    week = [e for e in entries if week_start <= e.date <= today and not e.planned]
    summary = {
        "entries": len(week),
        "units": len({e.unit_id for e in week if e.unit_id}),
        "cases": len({e.case_id for e in week if e.case_id}),
    }
    return render(
        request, "enterprise/worklog.html", {"form": form, "days": list(days.items()), "summary": summary}
    )

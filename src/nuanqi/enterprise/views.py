"""Pages of the enterprise module: company list and page, the work log."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from nuanqi.accounts.models import User
from nuanqi.cases.errors import CaseError
from nuanqi.cases.queries import with_list_columns
from nuanqi.cases.sla import sla_state
from nuanqi.cases.visibility import visible_cases

from . import services
from .access import visible_companies
from .forms import LogForm
from .models import Assignment, Company, WorkLogEntry


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def company_list(request: HttpRequest) -> HttpResponse:
    companies = visible_companies(_user(request)).select_related("town")
    return render(request, "enterprise/company_list.html", {"companies": companies[:500]})


@login_required
def company_detail(request: HttpRequest, company_id: int) -> HttpResponse:
    user = _user(request)
    try:
        company = visible_companies(user).select_related("town").get(pk=company_id)
    except Company.DoesNotExist:
        raise Http404("未找到该企业") from None
    cases = list(
        with_list_columns(visible_cases(user).filter(subject_type="company", subject_id=company.pk)).order_by(
            "status", "priority", "resolve_due"
        )[:300]
    )
    assignments = Assignment.objects.filter(company=company).select_related(
        "commissioner__user", "commissioner__batch"
    )
    by_top: dict[str, list[dict[str, object]]] = {}
    for c in cases:
        top = c.category.top.name if c.category else "未分类"
        by_top.setdefault(top, []).append({"case": c, "sla": sla_state(c.status, c.resolve_due, c.warn_at)})
    return render(
        request,
        "enterprise/company_detail.html",
        {
            "company": company,
            "groups": sorted(by_top.items()),
            "assignments": assignments,
            "case_count": len(cases),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def worklog(request: HttpRequest) -> HttpResponse:
    user = _user(request)
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
    week = [e for e in entries if e.date >= week_start]
    summary = {
        "entries": len(week),
        "units": len({e.unit_id for e in week if e.unit_id}),
        "cases": len({e.case_id for e in week if e.case_id}),
    }
    return render(
        request, "enterprise/worklog.html", {"form": form, "days": list(days.items()), "summary": summary}
    )

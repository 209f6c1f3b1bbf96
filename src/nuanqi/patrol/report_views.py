"""The weekly 督查通报 as a page (which is also its print layout) and as .xlsx, for any week: the office and
the leaders only (anyone else gets 404)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date

from nuanqi.accounts.models import User

from . import report as report_mod


def _week(request: HttpRequest) -> tuple[date, str]:
    """The Monday of the week asked for (`?week=` any day of it), this week by default, and an error."""
    user: User = request.user  # type: ignore[assignment]
    if not user.sees_everything:
        raise Http404
    text = (request.GET.get("week") or "").strip()
    if not text:
        return report_mod.monday_of(timezone.localdate()), ""
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None or day.year < 2000:
        problem = f"日期“{text[:20]}”格式不正确，应为 2026-11-23 这样的日期"
        return report_mod.monday_of(timezone.localdate()), problem
    return report_mod.monday_of(day), ""


@login_required
def weekly(request: HttpRequest) -> HttpResponse:
    monday, error = _week(request)
    r = report_mod.build(monday)
    context = {
        "r": r,
        "error": error,
        "labels": [report_mod.LABELS[m] for m in report_mod.METRICS],
        "prev": r.monday - timedelta(days=7),
        "next": r.monday + timedelta(days=7),
    }
    return render(request, "patrol/report.html", context, status=400 if error else 200)


@login_required
def weekly_xlsx(request: HttpRequest) -> HttpResponse:
    monday, error = _week(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    r = report_mod.build(monday)
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="patrol-report-{r.monday:%Y-%m-%d}.xlsx"'
    report_mod.write_xlsx(r, response)  # type: ignore[arg-type]  # a file-like object openpyxl writes to
    return response

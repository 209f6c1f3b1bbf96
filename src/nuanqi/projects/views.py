"""Project pages: the list with its 序时进度 lights and ledger, a project with its plan, stoppages and
reports (the owner reports on a phone, with photos), and a programme's tree."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from nuanqi.accounts.models import Unit, User
from nuanqi.cases.errors import CaseError
from nuanqi.cases.visibility import visible_cases
from nuanqi.lib.milestones import days_ahead
from nuanqi.lib.progress import Progress

from .access import can_report, visible_programmes, visible_projects
from .editing import can_edit, change_rows
from .listing import filtered, ledger, rows_for
from .models import Project, ProjectKind
from .services import parse_day, post_report, programme_tree, project_progress, resume, stop, walk
from .visits import SUBJECT, add_suggestion, visible_visits

LIGHT_LABELS = {
    "green": _("正常"),
    "yellow": _("黄灯"),
    "red": _("红灯"),
    "done": _("已完工"),
    "paused": _("停工"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _internal(user: User) -> None:
    if user.is_external or not (user.sees_everything or user.unit_id):
        raise Http404


@login_required
def project_list(request: HttpRequest) -> HttpResponse | FileResponse:
    user = _user(request)
    _internal(user)
    filters = {k: request.GET.get(k, "").strip()[:100] for k in ("q", "kind", "town", "status", "programme")}
    projects = filtered(visible_projects(user), filters)
    if request.GET.get("format") == "xlsx":
        buf = io.BytesIO()
        ledger(buf, projects, filters)
        buf.seek(0)
        return FileResponse(buf, as_attachment=True, filename="项目台账.xlsx")
    rows = rows_for(projects, filters["status"])
    towns = sorted({r["project"].town.name for r in rows if r["project"].town})
    return render(
        request,
        "projects/project_list.html",
        {
            "rows": rows,
            "filters": filters,
            "kinds": [(k, v) for k, v in ProjectKind.choices if k != ProjectKind.SECTION],
            "towns": towns,
            "labels": LIGHT_LABELS,
            "programmes": list(visible_programmes(user)),
            "query": request.GET.urlencode(),
            "can_import": user.has_role("admin", "dispatcher"),
            "can_edit": can_edit(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    user = _user(request)
    project = (
        visible_projects(user)
        .select_related("town", "owner_unit", "programme", "parent")
        .prefetch_related("stoppages", "milestones", "baselines")
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise Http404
    error = ""
    values: dict[str, Any] = {}
    if request.method == "POST" and request.POST.get("op") in ("stop", "resume"):
        try:
            on = parse_day(request.POST.get("on", ""))
            if request.POST["op"] == "stop":
                stop(project, on=on, reason=request.POST.get("reason", ""), actor=user)
            else:
                resume(project, on=on, actor=user)
        except CaseError as exc:
            error = exc.message
        else:
            return redirect("project_detail", project_id=project.pk)
    elif request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("percent", "text", "investment_done")}
        try:
            post_report(
                project,
                percent=values["percent"],
                text=values["text"],
                investment_done=values["investment_done"],
                photos=request.FILES.getlist("photos"),
                actor=user,
            )
        except CaseError as exc:
            error = exc.message
        else:
            return redirect("project_detail", project_id=project.pk)
    today = timezone.localdate()
    status: Progress | None = project_progress(project, today)
    milestones = [
        {"m": m, "ahead": days_ahead(m.planned_on, m.actual_on, today)} for m in project.milestones.all()
    ]
    reports = list(project.reports.select_related("by")[:20])
    photos = _photos(reports)
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "status": status,
            "label": LIGHT_LABELS.get(status.light, "") if status else "",
            "milestones": milestones,
            "reports": [(r, photos.get(r.pk, [])) for r in reports],
            "can_report": can_report(user, project) and not project.children.exists(),
            "children": list(project.children.all()),
            "issues": list(
                visible_cases(user)
                .filter(subject_type=SUBJECT, subject_id=project.pk)
                .order_by("-received_at")[:20]
            ),
            "error": error,
            "values": values,
            "stopped": project.stoppages.filter(end__isnull=True).exists(),
            "today": today,
            "can_edit": can_edit(user),
            "changes": change_rows(project.changes.select_related("actor")[:30]) if can_edit(user) else [],
        },
        status=400 if error else 200,
    )


def _photos(reports: list[Any]) -> dict[int, list[Any]]:
    from django.contrib.contenttypes.models import ContentType

    from nuanqi.attachments.models import Attachment

    from .models import ProgressReport

    out: dict[int, list[Any]] = {}
    ct = ContentType.objects.get_for_model(ProgressReport)
    for a in Attachment.objects.filter(owner_type=ct, owner_id__in=[r.pk for r in reports]).order_by("id"):
        out.setdefault(int(a.owner_id), []).append(a)
    return out


@login_required
@require_http_methods(["GET", "POST"])
def project_import(request: HttpRequest) -> HttpResponse | FileResponse:
    """Upload a filled ledger: every row checked, all applied or none, with the report."""
    from nuanqi.lib.excel_import import TemplateError

    from .imports import run_import, write_template

    user = _user(request)
    if not user.has_role("admin", "dispatcher"):
        raise Http404
    if request.GET.get("template"):
        buf = io.BytesIO()
        write_template(buf)
        buf.seek(0)
        return FileResponse(buf, as_attachment=True, filename="项目台账导入模板.xlsx")
    report = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择 Excel 文件"
        else:
            try:
                report = run_import(upload, actor=user)
            except TemplateError as exc:
                error = str(exc)
            except CaseError as exc:
                error = exc.message
    failed = bool(error or (report and not report.ok))
    return render(
        request, "projects/import.html", {"report": report, "error": error}, status=400 if failed else 200
    )


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _internal(user)
    rows = [(p, programme_tree(p)) for p in visible_programmes(user)]
    return render(
        request,
        "projects/programme_list.html",
        {"rows": rows, "labels": LIGHT_LABELS, "can_edit": can_edit(user)},
    )


@login_required
def programme_detail(request: HttpRequest, programme_id: int) -> HttpResponse | FileResponse:
    user = _user(request)
    programme = visible_programmes(user).filter(pk=programme_id).first()
    if programme is None:
        raise Http404
    if request.GET.get("format") == "xlsx":
        from .visit_ledger import write_export

        buf = io.BytesIO()
        write_export(buf, visible_visits(user).filter(programme=programme), programme)
        buf.seek(0)
        return FileResponse(buf, as_attachment=True, filename=f"调研台账-{programme.name}.xlsx")
    root = programme_tree(programme)
    mine = set(visible_projects(user).filter(programme=programme).values_list("pk", flat=True))
    visits = list(visible_visits(user).filter(programme=programme))
    return render(
        request,
        "projects/programme_detail.html",
        {
            "programme": programme,
            "root": root,
            "nodes": walk(root)[1:],
            "mine": mine,
            "labels": LIGHT_LABELS,
            "visits": visits,
            "can_edit": can_edit(user),
            "can_import": user.has_role("admin", "dispatcher"),
            "changes": (
                change_rows(programme.changes.select_related("actor", "project")[:30])
                if can_edit(user)
                else []
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_detail(request: HttpRequest, programme_id: int, visit_id: int) -> HttpResponse:
    """A research visit: its findings and suggestions, each a case followed to an answer."""
    user = _user(request)
    visit = (
        visible_visits(user)
        .select_related("organiser", "programme")
        .filter(pk=visit_id, programme_id=programme_id)
        .first()
    )
    if visit is None:
        raise Http404
    can_add = user.has_role("admin", "dispatcher")
    error = ""
    if request.method == "POST":
        if not can_add:
            raise Http404
        unit_id = request.POST.get("lead_unit", "")
        try:
            add_suggestion(
                visit,
                project=request.POST.get("project", ""),
                text=request.POST.get("text", ""),
                lead_unit=Unit.objects.filter(pk=unit_id).first() if unit_id.isdigit() else None,
                actor=user,
            )
        except CaseError as exc:
            error = exc.message
        else:
            return redirect("visit_detail", programme_id=programme_id, visit_id=visit.pk)
    ids = visit.suggestions.values("case_id")
    cases = list(visible_cases(user).filter(pk__in=ids).select_related("lead_unit").order_by("id"))
    return render(
        request,
        "projects/visit_detail.html",
        {
            "visit": visit,
            "cases": cases,
            "can_add": can_add,
            "projects": list(Project.objects.filter(programme=visit.programme_id)) if can_add else [],
            "units": Unit.objects.filter(active=True).order_by("sort", "name") if can_add else [],
            "error": error,
        },
        status=400 if error else 200,
    )


__all__ = ["Project"]

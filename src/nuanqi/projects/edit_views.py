"""The office's editing pages: a project (or a programme's section or site) created or changed, its
milestones, a re-approved plan, a programme — each saved by `projects.editing`, which writes the audit row."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from nuanqi.accounts.models import User
from nuanqi.cases.errors import CaseError

from .access import visible_programmes, visible_projects
from .editing import can_edit, delete_milestone, replan, save_milestone, save_programme, save_project
from .forms import MilestoneForm, ProgrammeForm, ProjectForm, ReplanForm
from .models import Programme, Project


def _office(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not can_edit(user):
        raise Http404
    return user


def _project(user: User, project_id: int) -> Project:
    project = visible_projects(user).filter(pk=project_id).first()
    if project is None:
        raise Http404
    return project


def _failed(form: BaseForm, exc: CaseError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    failed = any(getattr(f, "errors", None) for f in context.values() if isinstance(f, BaseForm))
    return render(request, template, context, status=400 if failed else 200)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, project_id: int | None = None) -> HttpResponse:
    user = _office(request)
    project = _project(user, project_id) if project_id is not None else None
    initial = {}
    if project is None and request.GET.get("programme", "").isdigit():
        initial["programme"] = int(request.GET["programme"])
    form = ProjectForm(request.POST or None, instance=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if not form.fields[k].disabled}
        try:
            saved = save_project(project, actor=user, **values)
        except CaseError as exc:
            _failed(form, exc)
        else:
            messages.success(request, "项目已保存")
            return redirect("project_detail", project_id=saved.pk)
    return _render(request, "projects/project_form.html", {"form": form, "project": project})


@login_required
@require_http_methods(["GET", "POST"])
def project_milestones(request: HttpRequest, project_id: int) -> HttpResponse:
    """The plan's milestones: each editable in place, one more added below, one removed on request."""
    user = _office(request)
    project = _project(user, project_id)
    existing = list(project.milestones.all())
    chosen = request.POST.get("milestone", "")
    target = next((m for m in existing if str(m.pk) == chosen), None) if chosen else None
    if chosen and target is None:
        raise Http404
    form = MilestoneForm(request.POST or None, instance=target, prefix=f"m{target.pk}" if target else "new")
    if request.method == "POST" and request.POST.get("op") == "delete" and target is not None:
        delete_milestone(project, target, actor=user)
        messages.success(request, "节点已删除")
        return redirect("project_milestones", project_id=project.pk)
    if request.method == "POST" and form.is_valid():
        try:
            save_milestone(project, target, actor=user, **form.cleaned_data)
        except CaseError as exc:
            _failed(form, exc)
        else:
            messages.success(request, "节点已保存")
            return redirect("project_milestones", project_id=project.pk)
    rows = [
        form if target is not None and m.pk == target.pk else MilestoneForm(instance=m, prefix=f"m{m.pk}")
        for m in existing
    ]
    new = form if target is None else MilestoneForm(prefix="new")
    return _render(
        request,
        "projects/milestones.html",
        {"project": project, "rows": list(zip(existing, rows, strict=True)), "new": new, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_replan(request: HttpRequest, project_id: int) -> HttpResponse:
    """调整计划: new dates, frozen as a new baseline; the old baselines stay listed on the project."""
    user = _office(request)
    project = _project(user, project_id)
    form = ReplanForm(
        request.POST or None,
        initial={
            "start": project.start,
            "planned_end": project.planned_end,
            "approved_on": timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            replan(
                project,
                start=d["start"],
                planned_end=d["planned_end"],
                approved_on=d["approved_on"],
                note=d["note"],
                actor=user,
            )
        except CaseError as exc:
            _failed(form, exc)
        else:
            messages.success(request, "计划已调整，原基线保留")
            return redirect("project_detail", project_id=project.pk)
    return _render(request, "projects/replan.html", {"form": form, "project": project})


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, programme_id: int | None = None) -> HttpResponse:
    user = _office(request)
    programme: Programme | None = None
    if programme_id is not None:
        programme = visible_programmes(user).filter(pk=programme_id).first()
        if programme is None:
            raise Http404
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_programme(programme, actor=user, **form.cleaned_data)
        except CaseError as exc:
            _failed(form, exc)
        else:
            messages.success(request, "项目群已保存")
            return redirect("programme_detail", programme_id=saved.pk)
    return _render(request, "projects/programme_form.html", {"form": form, "programme": programme})

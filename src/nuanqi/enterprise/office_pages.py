"""The office's pages for the programme's records (no /admin/ needed): inspections (无事不扰), company
indicators and company projects with their milestones. Each change goes through the module's writer
(`inspections`, `outcomes.record_indicator`, `records`), which keeps the `SettingChange` audit row shown on
the page; forms validate at the edge; anyone but the office gets 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from nuanqi.accounts.models import SettingChange, Unit, User
from nuanqi.cases.errors import CaseError

from . import inspections as insp
from . import records
from .models import Company, Indicator, Inspection, InspectionStatus, Metric, PeriodKind, Project, Stage
from .outcomes import record_indicator


def _office(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not records.is_office(user):
        raise Http404
    return user


def _history(subject: str, pk: int | None = None) -> list[SettingChange]:
    qs = SettingChange.objects.filter(subject=subject)
    if pk is not None:
        qs = qs.filter(object_id=pk)
    return list(qs[:50])


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


def _companies() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=_("企业"), queryset=Company.objects.order_by("name"))


def _units() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("检查单位"),
        queryset=Unit.objects.filter(active=True)
        .exclude(kind__in=("enterprise", "inspection_group", "office"))
        .order_by("name"),
    )


def _refused(form: forms.Form, exc: CaseError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# ── 涉企检查 (inspections) ──────────────────────────────────────────────────────────────────────────────


class InspectionForm(forms.Form):
    company = _companies()
    unit = _units()
    planned_on = _date(_("计划日期"))
    purpose = forms.CharField(label=_("检查事项"), max_length=200)


class InspectionEditForm(forms.Form):
    unit = _units()
    planned_on = _date(_("计划日期"))
    purpose = forms.CharField(label=_("检查事项"), max_length=200)
    status = forms.ChoiceField(label=_("状态"), choices=InspectionStatus.choices)
    done_on = _date(_("检查日期（已检查时填写）"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == InspectionStatus.DONE and not data.get("done_on"):
            self.add_error("done_on", _("已检查的须填写检查日期"))
        if data.get("done_on") and data["done_on"] > timezone.localdate():
            self.add_error("done_on", _("检查日期不能晚于今天"))
        return data


@login_required
@require_http_methods(["GET", "POST"])
def inspections(request: HttpRequest) -> HttpResponse:
    """涉企检查计划: the office plans an inspection for a unit (warned of a recent one) and opens any plan."""
    user = _office(request)
    form = InspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            made = insp.plan_inspection(d["company"], d["unit"], d["planned_on"], d["purpose"], actor=user)
        except CaseError as exc:
            _refused(form, exc)
        else:
            (messages.warning if made.warning else messages.success)(
                request, made.warning or f"已登记检查计划：{made.company.name}"
            )
            return redirect("office_inspections")
    items = Inspection.objects.select_related("company", "unit").order_by("-planned_on", "-id")[:200]
    return render(
        request,
        "office/inspections.html",
        {"form": form, "items": items, "history": _history("inspection")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_edit(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """One plan: change its unit, day or purpose, record it as done, or cancel it."""
    user = _office(request)
    item = get_object_or_404(Inspection.objects.select_related("company", "unit"), pk=inspection_id)
    initial = {f: getattr(item, f) for f in insp.INSPECTION_FIELDS}
    if request.method == "POST" and "cancel" in request.POST:
        try:
            insp.cancel_inspection(item, actor=user)
        except CaseError as exc:
            messages.error(request, exc.message)
            return redirect("office_inspection", item.pk)
        messages.success(request, f"已取消检查计划：{item.company.name}")
        return redirect("office_inspections")
    form = InspectionEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            insp.update_inspection(item, form.cleaned_data, actor=user)
        except CaseError as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"已保存检查计划：{item.company.name}")
            return redirect("office_inspections")
    return render(
        request,
        "office/inspection_edit.html",
        {"form": form, "instance": item, "history": _history("inspection", item.pk)},
    )


# ── 企业指标 (indicators) ───────────────────────────────────────────────────────────────────────────────


class IndicatorForm(forms.Form):
    company = _companies()
    metric = forms.ChoiceField(label=_("指标"), choices=Metric.choices)
    period_kind = forms.ChoiceField(label=_("周期"), choices=PeriodKind.choices, initial=PeriodKind.YEAR)
    period_start = _date(_("期间（该期间内任一日，如年度填当年任一日）"))
    value = forms.DecimalField(label=_("数值"), min_value=0, max_digits=16, decimal_places=2)


@login_required
@require_http_methods(["GET", "POST"])
def indicators(request: HttpRequest) -> HttpResponse:
    """企业指标: the office adds a company's figure for a period, or corrects one (the same company, indicator
    and period again); the audit row keeps the old figure."""
    user = _office(request)
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            row = record_indicator(
                d["company"], d["metric"], d["period_kind"], d["period_start"], d["value"], actor=user
            )
        except CaseError as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"已保存指标：{row.company.name} {row.get_metric_display()}")
            return redirect("office_indicators")
    rows = Indicator.objects.select_related("company").order_by("-entered_at", "-id")[:100]
    return render(
        request, "office/indicators.html", {"form": form, "rows": rows, "history": _history("indicator")}
    )


# ── 企业项目 (company projects and milestones) ─────────────────────────────────────────────────────────


class ProjectForm(forms.Form):
    company = _companies()
    name = forms.CharField(label=_("项目名称"), max_length=200)
    investment = forms.DecimalField(
        label=_("总投资（万元）"), min_value=0, max_digits=14, decimal_places=2, initial=0
    )
    capacity = forms.CharField(label=_("设计产能"), max_length=200, required=False)
    description = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, edit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if edit:
            del self.fields["company"]
        for code, label in Stage.choices:
            self.fields[f"planned_{code}"] = _date(
                _("%(stage)s · 计划日期") % {"stage": label}, required=False
            )
            if edit:
                self.fields[f"actual_{code}"] = _date(
                    _("%(stage)s · 实际日期") % {"stage": label}, required=False
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        for code in Stage.values:
            actual = data.get(f"actual_{code}")
            if actual and actual > today:
                self.add_error(f"actual_{code}", _("实际日期不能晚于今天"))
        return data

    def milestones(self) -> dict[str, tuple[Any, Any]]:
        d = self.cleaned_data
        return {code: (d.get(f"planned_{code}"), d.get(f"actual_{code}")) for code in Stage.values}


@login_required
@require_http_methods(["GET", "POST"])
def projects(request: HttpRequest) -> HttpResponse:
    """企业项目: the companies' projects with their milestone progress; the office registers a new one."""
    user = _office(request)
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            project = records.create_project(
                d["company"],
                name=d["name"],
                investment=d["investment"],
                capacity=d["capacity"],
                description=d["description"],
                plan={code: planned for code, (planned, _a) in form.milestones().items() if planned},
                actor=user,
            )
        except CaseError as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"已登记项目：{project.name}")
            return redirect("office_company_project", project.pk)
    items = (
        Project.objects.select_related("company")
        .prefetch_related("milestones")
        .order_by("company__name", "id")
    )
    return render(
        request,
        "office/company_projects.html",
        {"form": form, "items": items, "history": _history("company_project")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    """One project: its figures and each milestone's planned and actual dates, changed in one step."""
    user = _office(request)
    project = get_object_or_404(Project.objects.select_related("company"), pk=project_id)
    initial: dict[str, Any] = {f: getattr(project, f) for f in records.PROJECT_FIELDS}
    for m in project.milestones.all():
        initial[f"planned_{m.stage}"] = m.planned_on
        initial[f"actual_{m.stage}"] = m.actual_on
    form = ProjectForm(request.POST or None, initial=initial, edit=True)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in records.PROJECT_FIELDS}
        try:
            records.update_project(project, data, actor=user, milestones=form.milestones())
        except CaseError as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"已保存项目：{data['name']}")
            return redirect("office_company_project", project.pk)
    return render(
        request,
        "office/company_project_edit.html",
        {"form": form, "instance": project, "history": _history("company_project", project.pk)},
    )

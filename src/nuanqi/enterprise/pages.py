"""Programme-wide pages: the programme (batches, who serves where, outcomes), policies, inspections
(无事不扰), the commissioner's 跑腿 view, and departments posting tasks to companies."""

from __future__ import annotations

import io
from datetime import time
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from nuanqi.accounts.models import Role, Unit, User
from nuanqi.cases.access import resolve_subject
from nuanqi.cases.errors import CaseError
from nuanqi.cases.models import Channel
from nuanqi.cases.services import NewCase, create_case
from nuanqi.cases.visibility import visible_cases
from nuanqi.lib.cells import CellError, parse_date

from . import inspections as insp
from .access import visible_companies
from .exports import describe
from .models import (
    Assignment,
    Batch,
    Commissioner,
    Inspection,
    InspectionStatus,
    Level,
    Policy,
    PolicyMatch,
    Scale,
)
from .outcomes import compare_programme
from .workflow import TASK
from .worklist import errands, plan_errands, planned_visits


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


PROGRAMME_SHOWN = 8  # companies named per commissioner on the programme page


@login_required
def programme(request: HttpRequest) -> HttpResponse:
    """The programme page: every batch, its commissioners and the companies they serve (and served) — the
    companies the viewer may see; the programme-wide outcomes for the office and leaders (as the API)."""
    user = _user(request)
    if user.is_external:  # an internal page: outsiders get 404
        raise Http404
    visible = set(visible_companies(user).values_list("pk", flat=True))
    # Plain rows: a province's batches serve tens of thousands of companies.
    assignments = Assignment.objects.order_by("started_on").values_list(
        "commissioner_id", "company_id", "company__name", "started_on", "ended_on", named=True
    )
    by_commissioner: dict[int, list[Any]] = {}
    for a in assignments:
        if a.company_id in visible or user.sees_everything:
            by_commissioner.setdefault(a.commissioner_id, []).append(a)
    batches = []
    for b in Batch.objects.order_by("number"):
        people = []
        for c in Commissioner.objects.filter(batch=b).select_related("user").order_by("dispatched_on", "pk"):
            served = by_commissioner.get(c.pk, [])
            # A commissioner of the seed serves one to three companies; one of a province's batches serves
            # dozens: the page names the first few (those he serves now first) and links to the whole list.
            served.sort(key=lambda a: a.ended_on is not None)
            current = sum(1 for a in served if a.ended_on is None)
            people.append(
                {
                    "c": c,
                    "assignments": served[:PROGRAMME_SHOWN],
                    "more": len(served) - PROGRAMME_SHOWN if len(served) > PROGRAMME_SHOWN else 0,
                    "current": current,
                }
            )
        batches.append({"batch": b, "people": people})
    return render(
        request,
        "enterprise/programme.html",
        {
            "batches": batches,
            "outcomes": compare_programme() if user.sees_everything else [],
            "visible": visible,
        },
    )


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    """The library; each policy with how many of the companies this person sees it matches."""
    user = _user(request)
    level = request.GET.get("level", "")
    companies = visible_companies(user)
    qs = Policy.objects.filter(active=True).annotate(
        n=Count("matches", filter=Q(matches__company__in=companies), distinct=True)
    )
    if level:
        qs = qs.filter(level=level)
    policies = [{"p": p, "rule": describe(p)} for p in qs.order_by("level", "-id")]
    mine = []
    if user.has_role(Role.COMMISSIONER):
        # 推送给专员: the matches of the companies he serves.
        served = Assignment.objects.filter(commissioner__user=user, ended_on__isnull=True).values(
            "company_id"
        )
        mine = list(
            PolicyMatch.objects.filter(company_id__in=served)
            .select_related("company", "policy")
            .order_by("company")
        )
    return render(
        request,
        "enterprise/policy_list.html",
        {"policies": policies, "level": level, "levels": Level.choices, "mine": mine},
    )


@login_required
def policy_detail(request: HttpRequest, policy_id: int) -> HttpResponse:
    user = _user(request)
    policy = Policy.objects.filter(pk=policy_id, active=True).first()
    if policy is None:
        raise Http404
    matches = (
        PolicyMatch.objects.filter(policy=policy, company__in=visible_companies(user))
        .select_related("company")
        .order_by("company__name")[:500]
    )
    return render(
        request,
        "enterprise/policy_detail.html",
        {"policy": policy, "rule": describe(policy), "matches": matches},
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_list(request: HttpRequest) -> HttpResponse:
    """A department plans inspections here and is warned; the office and commissioners see proposals to
    merge visits (综合查一次)."""
    user = _user(request)
    if user.is_external:  # an internal page: outsiders get 404
        raise Http404
    if request.method == "POST":
        try:
            company = resolve_subject("company", user, request.POST.get("company", ""))
            unit = user.unit if not user.has_role(Role.ADMIN, Role.DISPATCHER) else None
            if unit is None:
                unit = Unit.objects.filter(pk=request.POST.get("unit") or 0).first()
            if unit is None:
                raise CellError("请选择检查单位")
            from .models import Company

            planned = insp.plan_inspection(
                Company.objects.get(pk=company.id),
                unit,
                parse_date(request.POST.get("planned_on", "")),
                request.POST.get("purpose", ""),
                actor=user,
            )
        except CellError as exc:
            messages.error(request, str(exc))
        except CaseError as exc:
            messages.error(request, exc.message)
        else:
            if planned.warning:
                messages.warning(request, planned.warning)
            else:
                messages.success(request, "检查计划已登记")
            return redirect("inspection_list")
    companies = visible_companies(user)
    qs = Inspection.objects.select_related("company", "unit").order_by("planned_on")
    if user.has_role(Role.HANDLER) and not user.sees_everything:
        qs = qs.filter(Q(unit_id=user.unit_id) | Q(company__in=companies))
    elif not user.sees_everything:
        qs = qs.filter(company__in=companies)
    today = timezone.localdate()
    return render(
        request,
        "enterprise/inspections.html",
        {
            "upcoming": [i for i in qs if i.status == InspectionStatus.PLANNED and i.planned_on >= today][
                :200
            ],
            "proposals": insp.joint_proposals(None if user.sees_everything else companies),
            "can_merge": user.has_role(Role.ADMIN, Role.DISPATCHER, Role.COMMISSIONER),
            "can_plan": user.has_role(Role.ADMIN, Role.DISPATCHER)
            or (user.has_role(Role.HANDLER) and user.unit_id),
            "units": Unit.objects.filter(active=True, kind="department").order_by("sort"),
            "window": insp.window_days(),
        },
    )


@login_required
@require_POST
def inspection_merge(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.is_external:  # an internal page: outsiders get 404
        raise Http404
    ids = [int(x) for x in request.POST.getlist("inspection") if x.isdigit()]
    visible = set(
        Inspection.objects.filter(pk__in=ids, company__in=visible_companies(user)).values_list(
            "pk", flat=True
        )
    )
    if len(visible) != len(set(ids)):
        raise Http404
    try:
        label = insp.merge_joint_visit(ids, parse_date(request.POST.get("on", "")), actor=user)
    except CellError as exc:
        messages.error(request, str(exc))
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已合并为{label}")
    return redirect("inspection_list")


@login_required
@require_http_methods(["GET", "POST"])
def errand_plan(request: HttpRequest, number: str) -> HttpResponse:
    """跑腿: the units of a case still to visit, in and out of the district, planned into a work-log day."""
    user = _user(request)
    if user.is_external:  # planning errands into a work log is the administration's: outsiders get 404
        raise Http404
    case = get_object_or_404(visible_cases(user), number=number)  # a case one may not see is not there
    if request.method == "POST":
        try:
            day = parse_date(request.POST.get("day", ""))
            start = time.fromisoformat(request.POST.get("start") or "08:40")
            ids = [int(x) for x in request.POST.getlist("task") if x.isdigit()]
            before = planned_visits(user, case)
            rows = plan_errands(user, case, ids, day, start=start)
        except (CellError, ValueError) as exc:
            messages.error(request, str(exc))
        except CaseError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已将 {len(rows)} 家单位排入 {day:%Y-%m-%d} 的工作笔记")
            twice = [
                f"{r.unit.label}（已排 {'、'.join(f'{d:%m-%d}' for d in before[r.task_id])}）"
                for r in rows
                if r.task_id in before and r.unit is not None
            ]
            if twice:
                messages.warning(
                    request, "注意：以下单位此前已排入工作笔记，请勿重复跑腿：" + "；".join(twice)
                )
            return redirect("worklog")
    e = errands(user, case)
    planned = planned_visits(user, case)
    for t in [*e.inside, *e.outside]:
        t.planned_days = planned.get(t.pk, [])  # type: ignore[attr-defined]
    return render(request, "enterprise/errands.html", {"e": e, "today": timezone.localdate()})


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest) -> HttpResponse:
    """A department posts a task to a company (部门任务); the commissioner relays it."""
    user = _user(request)
    if not (user.has_role(Role.HANDLER) and user.unit_id) and not user.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Http404
    if request.method == "POST":
        try:
            subject = resolve_subject("company", user, request.POST.get("company", ""))
            case = create_case(
                NewCase(
                    kind=TASK,
                    title=request.POST.get("title", ""),
                    description=request.POST.get("description", ""),
                    nature="help",
                    channel=Channel.DEPARTMENT,
                    lead_unit=user.unit_id or request.POST.get("unit"),
                    subject=subject,
                ),
                actor=user,
            )
        except CaseError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已向{case.subject_label}下达任务 {case.number}")
            return redirect("case_detail", case.number)
    return render(request, "enterprise/task_new.html", {})


@login_required
def import_template(request: HttpRequest, kind: str) -> FileResponse:
    """The template the office fills in: one sheet, Chinese headers, a note on each."""
    from nuanqi.lib.importkinds import get_import

    found = get_import(kind)
    if found is None or not _user(request).has_role(Role.ADMIN, Role.DISPATCHER):
        raise Http404
    buffer = io.BytesIO()
    found.write_template(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=f"{found.label}导入模板.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a filled template: every row is checked; all rows are applied or none, with the report."""
    from nuanqi.lib.excel_import import TemplateError
    from nuanqi.lib.importkinds import get_import, import_kinds

    user = _user(request)
    if not user.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Http404
    report = None
    if request.method == "POST":
        kind = get_import(request.POST.get("kind", ""))
        upload = request.FILES.get("file")
        if kind is None or upload is None:
            messages.error(request, "请选择台账类型和 Excel 文件")
        else:
            try:
                report = kind.run(upload, actor=user)
            except TemplateError as exc:
                messages.error(request, str(exc))
            except CaseError as exc:
                messages.error(request, exc.message)
            else:
                (messages.success if report.ok else messages.error)(request, report.summary())
    kinds = [(k.key, gettext(k.label)) for k in import_kinds()]
    return render(request, "enterprise/imports.html", {"kinds": kinds, "report": report})


@login_required
@require_http_methods(["GET", "POST"])
def assignment_page(request: HttpRequest) -> HttpResponse:
    """派驻关系: the office puts a commissioner on a company (handover when another serves it) through the
    module's writer, which keeps the audit row; the current pairs and the history of changes."""
    from nuanqi.accounts.models import SettingChange

    from .models import Company
    from .services import assign

    user = _user(request)
    if not user.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Http404
    commissioners = (
        Commissioner.objects.filter(active=True).select_related("user").order_by("batch__number", "pk")
    )
    companies = Company.objects.order_by("name")
    if request.method == "POST":
        try:
            commissioner = commissioners.filter(pk=request.POST.get("commissioner") or 0).first()
            company = companies.filter(pk=request.POST.get("company") or 0).first()
            if commissioner is None or company is None:
                raise CellError("请选择专员和企业")
            on = parse_date(request.POST.get("on", ""))
            made = assign(commissioner, company, on=on, actor=user, note=request.POST.get("note", "")[:200])
        except CellError as exc:
            messages.error(request, str(exc))
        except CaseError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"已派驻：{made.commissioner} → {made.company.name}（{on:%Y-%m-%d} 起）"
            )
            return redirect("office_assignments")
    current = (
        Assignment.objects.filter(ended_on__isnull=True)
        .select_related("company", "commissioner__user")
        .order_by("company__name")
    )
    return render(
        request,
        "enterprise/assignments.html",
        {
            "current": current,
            "commissioners": commissioners,
            "companies": companies,
            "today": timezone.localdate(),
            "history": list(SettingChange.objects.filter(subject="assignment")[:50]),
        },
    )


class PolicyForm(forms.Form):
    """The office registers a policy (惠企政策) with its eligibility; enterprise.records.create_policy checks
    the rules, matches it against every company and keeps the audit row."""

    title = forms.CharField(label=_("政策名称"), max_length=200)
    level = forms.ChoiceField(label=_("层级"), choices=Level.choices, initial=Level.DISTRICT)
    issuer = forms.CharField(label=_("发文单位"), max_length=100, required=False)
    doc_number = forms.CharField(label=_("文号"), max_length=100, required=False)
    valid_from = forms.DateField(
        label=_("有效期起"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("有效期止"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    deadline = forms.DateField(
        label=_("申报截止"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    benefit = forms.CharField(
        label=_("扶持内容"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    max_amount = forms.DecimalField(
        label=_("最高金额（万元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    auto_grant = forms.BooleanField(label=_("免申即享"), required=False)
    scales = forms.MultipleChoiceField(
        label=_("适用规模（可多选，留空为不限）"), choices=Scale.choices, required=False
    )
    above_scale_only = forms.BooleanField(label=_("仅限规上企业"), required=False)
    industries = forms.CharField(
        label=_("适用行业代码（GB/T 4754，逗号分隔，如 C, C27）"), required=False, max_length=200
    )
    towns = forms.CharField(label=_("适用镇街（逗号分隔）"), required=False, max_length=200)
    tags = forms.CharField(label=_("须具备标签（逗号分隔，如 高新技术企业）"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("industries", "towns", "tags"):
            text = str(data.get(name) or "").replace("，", ",").replace("、", ",")
            data[name] = [part.strip() for part in text.split(",") if part.strip()]
        return data


@login_required
@require_http_methods(["GET", "POST"])
def policy_new(request: HttpRequest) -> HttpResponse:
    """登记惠企政策: the office's form; the policy is matched against every company as it is saved."""
    from nuanqi.accounts.models import SettingChange

    from .records import create_policy

    user = _user(request)
    if not user.has_role(Role.ADMIN, Role.DISPATCHER):
        raise Http404
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = create_policy(form.cleaned_data, actor=user)
        except CaseError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已登记政策：{policy.title}")
            return redirect("policy_detail", policy.pk)
    history = list(SettingChange.objects.filter(subject="policy")[:50])
    return render(request, "enterprise/policy_new.html", {"form": form, "history": history})

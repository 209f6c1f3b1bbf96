"""Pages of the list engine: 我的清单, case list, case detail with its actions, the new-case form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from nuanqi.accounts.models import Role, Unit, User
from nuanqi.attachments.services import max_bytes

from . import advisors, kinds, search, services
from .access import resolve_subject, subject_page, subject_word
from .errors import CaseError
from .forms import CaseForm, TaskForm
from .models import Case, CaseLink, Channel, Event, Satisfaction, Task
from .permissions import allowed_actions, can_act_on_task, can_manage_tasks, relations
from .queries import (
    filtered_cases,
    filters_from_query,
    keyset_page,
    parse_cursor,
    with_list_columns,
    worklist_page,
)
from .sla import sla_state
from .visibility import get_visible_case, my_worklist, visible_cases, visible_tasks
from .workflow import table_for

CHANNEL_LABELS: dict[str, Any] = dict(Channel.choices)
# The filters the case list's form has fields for; any other (from a dashboard link) rides along hidden.
_FORM_FILTERS = ("status", "overdue", "owner", "q", "kind")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _rows(cases: list[Case]) -> list[dict[str, Any]]:
    # Labels from a map: get_FOO_display() rebuilds a dict of all choices on every call (slow for 50 rows).
    return [
        {
            "case": c,
            "sla": sla_state(c.status, c.resolve_due, c.warn_at),
            "status_label": kinds.status_label(c.kind, c.status),
            "kind_label": kinds.kind_label(c.kind),
            "channel_label": CHANNEL_LABELS.get(c.channel, c.channel),
        }
        for c in cases
    ]


@login_required
def my_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    worklist = my_worklist(user)
    listed = [(k.code, k.label) for k in kinds.listed_kinds()]
    kind = request.GET.get("kind", "")
    if kind in {code for code, _label in listed}:
        worklist = worklist.filter(kind=kind)
    try:
        # A page of 50 with a keyset cursor: a phone renders it quickly however long the list is.
        cases, nxt = worklist_page(worklist, request.GET.get("next"), 50)
    except CaseError as exc:
        messages.error(request, exc.message)
        cases, nxt = [], None
    now = timezone.now()
    # The counts cover the whole list, not just this page: one aggregate query (open items only, so the
    # cards are sla_state's: red once overdue, yellow from warn_at).
    counts = worklist.order_by().aggregate(
        total=Count("pk"),
        red=Count("pk", filter=Q(resolve_due__lt=now)),
        yellow=Count("pk", filter=Q(resolve_due__gte=now, warn_at__lte=now)),
    )
    return render(
        request,
        "cases/my_list.html",
        {"rows": _rows(cases), "counts": counts, "next": nxt, "kinds": listed, "kind": kind},
    )


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        q = (request.GET.get("q") or "").strip()[:100]
        if q:
            # The search box: full text over title, description and subject (cases/search.py), newest first.
            below = parse_cursor(request.GET.get("next"))
            rows, nxt = search.search(user, q, limit=50, below=below[0] if below else None)
        else:
            f = filters_from_query(request.GET)
            rows, nxt = keyset_page(with_list_columns(filtered_cases(user, f)), request.GET.get("next"), 50)
    except CaseError as exc:
        messages.error(request, exc.message)
        rows, nxt = [], None
    # The same filters, without the page cursor: for the next-page link and the .xlsx ledger export.
    query = request.GET.copy()
    query.pop("next", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "rows": _rows(rows),
            "next": nxt,
            "filters": request.GET,
            "query": query.urlencode(),
            # Filters the form has no field for (set by a dashboard link) survive re-filtering.
            "hidden": [
                (k, v) for k, v in query.items() if k not in ("status", "overdue", "owner", "q", "kind")
            ],
            "kinds": [(k.code, k.label) for k in kinds.listed_kinds()],
        },
    )


def _detail_context(user: User, case: Case) -> dict[str, Any]:
    rel = relations(user, case)
    spec = kinds.get_kind(case.kind)
    panel = spec.panel_context(user, case) if spec.panel_context else {}
    tasks = list(visible_tasks(user, case))
    done = sum(1 for t in tasks if t.status == "done")
    return {
        "case": case,
        "sla": sla_state(case.status, case.resolve_due, case.warn_at),
        "tasks": [{"task": t, "can_act": can_act_on_task(user, t, rel)} for t in tasks],
        "tasks_done": done,
        "tasks_total": len(tasks),
        "tasks_pct": round(100 * done / len(tasks)) if tasks else 0,
        "events": list(Event.objects.filter(case=case).select_related("actor").order_by("-seq")),
        "actions": allowed_actions(user, case, rel),
        "can_add_task": can_manage_tasks(user, case, rel) and case.phase == kinds.OPEN,
        "links_out": CaseLink.objects.filter(from_case=case, to_case__in=visible_cases(user).values("pk"))
        .select_related("to_case")
        .order_by("pk"),
        "links_in": CaseLink.objects.filter(to_case=case, from_case__in=visible_cases(user).values("pk"))
        .select_related("from_case")
        .order_by("pk"),
        "task_form": TaskForm(),
        "units": Unit.objects.filter(active=True).exclude(kind="enterprise"),
        "satisfaction_choices": Satisfaction.choices,
        "kind_panel": spec.panel_template,
        "subject_word": subject_word(case.subject_type),
        "subject_url": subject_page(case.subject_type, case.subject_id),
        "description_label": spec.description_label,
        "panel": panel,
        "attachments": list(services.case_attachments(case)),
        "can_attach": bool(rel) and not kinds.is_sealed(case.kind),
        "max_mb": int(max_bytes() / (1024 * 1024)),
        "advisor_panels": advisors.detail_panels(user, case),
    }


def _visible_or_404(user: User, number: str) -> Case:
    try:
        return (
            visible_cases(user)
            .select_related("lead_unit", "owner", "category", "category__parent", "created_by")
            .get(number=number)
        )
    except Case.DoesNotExist:
        raise Http404("未找到该事项") from None


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    case = _visible_or_404(user, number)
    return render(request, "cases/case_detail.html", _detail_context(user, case))


@login_required
@require_POST
def case_act(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    case = _visible_or_404(user, number)
    data: dict[str, Any] = {
        k: v
        for k, v in request.POST.items()
        if k not in ("csrfmiddlewaretoken", "action", "version", "sealed", "attachment_ids")
    }
    action = request.POST.get("action", "")
    try:
        services.perform(
            case,
            action,
            actor=user,
            version=request.POST.get("version"),
            attachment_ids=request.POST.getlist("attachment_ids"),
            **data,
        )
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        t = table_for(case.kind).get(action)
        messages.success(request, f"已{t.label}" if t else "操作已完成")
    return redirect("case_detail", number=number)


@login_required
@require_POST
def attachment_add(request: HttpRequest, number: str) -> HttpResponse:
    """Photos and documents from the case page (a phone's camera through `capture`)."""
    user = _user(request)
    case = _visible_or_404(user, number)
    try:
        stored = services.attach(
            case, request.FILES.getlist("file"), actor=user, task=request.POST.get("task") or None
        )
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已上传 {len(stored)} 个文件")
    return redirect(f"{reverse('case_detail', args=[number])}#files")


@login_required
@require_POST
def task_add(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    case = _visible_or_404(user, number)
    try:
        services.add_task(
            case,
            actor=user,
            unit=request.POST.get("unit"),
            note=request.POST.get("note", ""),
            version=request.POST.get("version") or None,
        )
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已添加协办单位")
    return redirect("case_detail", number=number)


@login_required
@require_POST
def task_act(request: HttpRequest, number: str, task_id: int) -> HttpResponse:
    user = _user(request)
    try:
        case = get_visible_case(user, number)
        services.task_action(
            case,
            task_id,
            request.POST.get("action", ""),
            actor=user,
            note=request.POST.get("note", ""),
            version=request.POST.get("version") or None,
        )
    except (Case.DoesNotExist, Task.DoesNotExist):
        raise Http404("未找到该协办任务") from None
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "协办任务已更新")
    return redirect("case_detail", number=number)


@login_required
@require_http_methods(["GET", "POST"])
def new_case(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    from nuanqi.enterprise.access import visible_companies  # the page lists companies to pick from

    companies = [(c.pk, c.name) for c in visible_companies(user).only("id", "name")]
    fileable = [(k.code, k.label) for k in kinds.fileable_kinds(user.roles, services.CREATOR_ROLES)]
    if not fileable:
        raise Http404
    form = CaseForm(request.POST or None, companies=companies, kinds=fileable)
    if user.is_external:  # the office triages: no channel or lead unit to choose
        for name in ("channel", "lead_unit"):
            del form.fields[name]
    elif user.has_role(Role.ENTERPRISE) and len(companies) == 1:
        form.fields["channel"].initial = "company_request"
    warnings: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        merge_into = request.POST.get("merge_into", "").strip()
        try:
            subject = resolve_subject("company", user, d["company"]) if d["company"] else None
            if not request.POST.get("confirm_new") and not merge_into and not user.is_external:
                # Before saving: the likely duplicates of the same subject, each with a one-click merge.
                warnings = advisors.duplicates(
                    user, title=d["title"], description=d["description"], kind=d["kind"], subject=subject
                )
            if not warnings:
                with transaction.atomic():
                    case = services.create_case(
                        services.NewCase(
                            kind=d["kind"],
                            title=d["title"],
                            description=d["description"],
                            category=d["category"] or None,
                            nature=d["nature"],
                            channel=d.get("channel") or services.Channel.COMPANY_REQUEST,
                            importance=d["importance"],
                            urgency=d["urgency"],
                            lead_unit=d.get("lead_unit") or None,
                            subject=subject,
                        ),
                        actor=user,
                    )
                    if merge_into:
                        # Filed and merged into the earlier case at once (the engine's merge: 重复件).
                        services.perform(case, "merge", actor=user, version=case.version, original=merge_into)
        except CaseError as exc:
            if exc.field and exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                form.add_error(None, exc.message)
        else:
            if not warnings:
                if merge_into:
                    messages.success(request, f"已登记 {case.number} 并合并到 {merge_into}")
                    return redirect("case_detail", number=merge_into)
                messages.success(request, f"已登记 {case.number}")
                return redirect("case_detail", number=case.number)
    context = {
        "form": form,
        "duplicate_warnings": warnings,
        "can_merge": user.has_role(Role.ADMIN, Role.DISPATCHER),
        "advisor_assets": [] if user.is_external else advisors.form_assets(),
    }
    return render(request, "cases/new_case.html", context)

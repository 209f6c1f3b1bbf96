"""Pages of the list engine: 我的清单, case list, case detail with its actions, the new-case form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from nuanqi.accounts.models import Role, Unit, User
from nuanqi.attachments.services import max_bytes

from . import advisors, kinds, search, services
from .access import errand_page, resolve_subject, subject_choices, subject_page, subject_word
from .errors import CaseError
from .forms import CaseForm, SpawnForm, TaskForm
from .models import Case, CaseLink, Channel, Event, Importance, Satisfaction, Task, Urgency
from .permissions import allowed_actions, can_act_on_task, can_manage_tasks, relations
from .queries import (
    filtered_cases,
    filters_from_query,
    keyset_page,
    parse_cursor,
    with_list_columns,
    worklist_page,
)
from .rows import case_rows, html_rows, page_records
from .sla import sla_state
from .spawn import spawn_case, spawnable_kinds
from .visibility import WorkList, get_visible_case, visible_cases, visible_tasks
from .workflow import table_for

# The filters the case list's form has fields for; any other (from a dashboard link) rides along hidden.
_FORM_FILTERS = ("status", "overdue", "owner", "q", "kind")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def my_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    listed = [(k.code, k.label) for k in kinds.listed_kinds()]
    kind = request.GET.get("kind", "")
    only = kind if kind in {code for code, _label in listed} else ""  # an unknown kind: the whole list
    worklist = WorkList(user)
    try:
        # A page of 50 with a keyset cursor: a phone renders it quickly however long the list is.
        ids, nxt = worklist_page(worklist, request.GET.get("next"), 50, only)
    except CaseError as exc:
        messages.error(request, exc.message)
        ids, nxt = [], None
    # The counts cover the whole list, not just this page: one statement (open items only, so the cards
    # are sla_state's: red once overdue, yellow from warn_at).
    counts = worklist.counts(only)
    return render(
        request,
        "cases/my_list.html",
        {
            "rows": html_rows(page_records(ids), kind=True),
            "counts": counts,
            "next": nxt,
            "kinds": listed,
            "kind": kind,
        },
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
            "rows": case_rows(rows, kind=True),
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


def _rounds(events: list[Event]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """重办 folds a case's earlier rounds into history: (the superseded rounds, oldest first, each with its
    result, rating and why it was redone; the current round's result and rating as the events give them)."""
    rounds: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for e in sorted(events, key=lambda e: e.seq):
        changes = e.changes if isinstance(e.changes, dict) else {}
        if e.action == "resolve":
            current.update(result=changes.get("result", ""), resolved_at=e.at)
        elif e.action == "rate":
            current.update(
                satisfaction=changes.get("satisfaction", ""),
                comment=changes.get("comment", ""),
                rated_at=e.at,
            )
            if changes.get("reopened"):
                rounds.append(
                    {**current, "redo_at": e.at, "why": _("企业评价不满意，转重办"), "by": e.actor_name}
                )
                current = {}
        elif e.action == "reopen":
            rounds.append({**current, "redo_at": e.at, "why": e.reason, "by": e.actor_name})
            current = {}
    labels = dict(Satisfaction.choices)
    for r in rounds:
        r["satisfaction_label"] = labels.get(r.get("satisfaction", ""), "")
    return rounds, current


def _step_choices(user: User, case: Case, actions: list[Any]) -> dict[str, Any]:
    """What the office's triage and dispatch steps offer: the units that may lead or co-handle (not the
    office itself, not an inspection group, not a company), the people who may be 责任人, the priorities."""
    steps = {t.action for t in actions}
    if not steps & {"triage", "dispatch"}:
        return {}
    units = list(
        Unit.objects.filter(active=True)
        .exclude(kind__in=("enterprise", "office", "inspection_group"))
        .order_by("sort", "pk")
    )
    owners: dict[int, list[User]] = {}
    if "dispatch" in steps:
        for person in (
            User.objects.filter(is_active=True, unit__in=units, role_grants__role=Role.HANDLER)
            .distinct()
            .order_by("unit_id", "pk")
        ):
            owners.setdefault(person.unit_id or 0, []).append(person)
    return {
        "step_units": units,
        "step_owners": [(u, owners[u.pk]) for u in units if u.pk in owners],
        "importance_choices": Importance.choices,
        "urgency_choices": Urgency.choices,
        "channel_choices": Channel.choices,
    }


def _detail_context(user: User, case: Case) -> dict[str, Any]:
    rel = relations(user, case)
    spec = kinds.get_kind(case.kind)
    panel = spec.panel_context(user, case) if spec.panel_context else {}
    tasks = list(visible_tasks(user, case))
    done = sum(1 for t in tasks if t.status == "done")
    events = list(Event.objects.filter(case=case).select_related("actor").order_by("-seq"))
    rounds, current = _rounds(events)
    actions = allowed_actions(user, case, rel)
    return {
        **_step_choices(user, case, actions),
        "case": case,
        "rounds": rounds,
        # After 重办 the result and rating shown are the superseded round's until the new round gives its own:
        # they go to the history section instead.
        "current_result": case.result if not rounds or current.get("result") else "",
        "current_rating": bool(case.satisfaction) and (not rounds or bool(current.get("satisfaction"))),
        # 跑腿: the administration's page for visiting the co-handling units (none for outsiders).
        "errand_url": errand_page(case.subject_type, case.number)
        if tasks and not user.is_external and case.phase == kinds.OPEN
        else "",
        "sla": sla_state(case.status, case.resolve_due, case.warn_at),
        "tasks": [{"task": t, "can_act": can_act_on_task(user, t, rel)} for t in tasks],
        "tasks_done": done,
        "tasks_total": len(tasks),
        "tasks_pct": round(100 * done / len(tasks)) if tasks else 0,
        "events": events,
        "actions": actions,
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
        "spawn_kinds": spawnable_kinds(user, case),
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
        if k not in ("csrfmiddlewaretoken", "action", "version", "sealed", "attachment_ids", "cohandlers")
    }
    action = request.POST.get("action", "")
    try:
        if action == "dispatch":  # 派单 and its co-handling units in one step
            services.dispatch(
                case,
                actor=user,
                version=request.POST.get("version"),
                lead_unit=data.get("lead_unit"),
                owner=data.get("owner") or None,
                cohandlers=request.POST.getlist("cohandlers"),
                reason=data.get("reason", ""),
            )
        else:
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
    # The companies this person may pick, as the module that defines them offers them (`cases` does not
    # import the modules above it).
    companies = subject_choices("company", user)
    fileable = [(k.code, k.label) for k in kinds.fileable_kinds(user.roles, services.CREATOR_ROLES)]
    if not fileable:
        raise Http404
    form = CaseForm(request.POST or None, companies=companies, kinds=fileable)
    fixed_company = ""
    if user.is_external:  # the office triages: no channel, lead unit or priority to choose
        fixed_company = form.fit_to_external(companies)
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
                            channel=d.get("channel") or Channel.COMPANY_REQUEST,
                            importance=d.get("importance") or Importance.MINOR,
                            urgency=d.get("urgency") or Urgency.NORMAL,
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
        "fixed_company": fixed_company,
        "duplicate_warnings": warnings,
        "can_merge": user.has_role(Role.ADMIN, Role.DISPATCHER),
        "advisor_assets": [] if user.is_external else advisors.form_assets(),
    }
    return render(request, "cases/new_case.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_spawn(request: HttpRequest, number: str) -> HttpResponse:
    """派生: file a case of another kind from this one (the kinds its spec lists), linked `spawned_from`
    it."""
    user = _user(request)
    origin = _visible_or_404(user, number)
    offered = spawnable_kinds(user, origin)
    if not offered:
        raise Http404
    code = (request.POST.get("kind") or request.GET.get("kind") or offered[0].code).strip()
    target = next((k for k in offered if k.code == code), None)
    if target is None:
        raise Http404
    subject_type = target.subject_required
    form = SpawnForm(
        request.POST or None,
        subjects=subject_choices(subject_type, user) if subject_type else [],
        subject_word=subject_word(subject_type),
        required=bool(subject_type),
        initial={
            "title": origin.title,
            "description": f"{origin.number} {origin.title}\n{origin.description}".strip()[:4000],
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            subject = resolve_subject(subject_type, user, d["subject"]) if d.get("subject") else None
            case = spawn_case(
                origin,
                services.NewCase(
                    kind=target.code,
                    title=d["title"],
                    description=d["description"],
                    nature=d["nature"],
                    channel=d["channel"],
                    lead_unit=d.get("lead_unit") or None,
                    subject=subject,
                ),
                actor=user,
            )
        except CaseError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已派生 {case.number}")
            return redirect("case_detail", number=case.number)
    return render(
        request,
        "cases/spawn.html",
        {"origin": origin, "form": form, "target": target, "offered": offered},
        status=400 if form.errors else 200,
    )

"""The only writers of cases and tasks. Every mutation: one transaction, one table check, one event.

`perform(case, action, *, actor, version, **data)` is the single entry for workflow actions; web views, the
API, imports, the worker and the demo loader all call it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from nuanqi.accounts.models import Role, Unit

from . import coerce, search, sla, timeline
from .access import SubjectRef
from .errors import Conflict, Forbidden, Invalid, NotAllowedNow
from .models import (
    NUMBER_PREFIX,
    Case,
    Channel,
    Importance,
    Kind,
    Nature,
    NumberCounter,
    Satisfaction,
    Status,
    Task,
    TaskStatus,
    Urgency,
    priority_of,
)
from .permissions import can_act_on_task, can_manage_tasks, relations
from .workflow import WORKFLOWS, table_for

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

FIELD_LABELS = {
    "reason": "理由",
    "lead_unit": "主办单位",
    "days": "延期天数",
    "review_on": "复核日期",
    "result": "办理结果",
    "satisfaction": "满意度",
    "referral": "转办去向",
    "owner": "责任人",
    "comment": "评价意见",
}

CREATOR_ROLES = {Role.ADMIN, Role.DISPATCHER, Role.LEADER, Role.COMMISSIONER, Role.ENTERPRISE, Role.HANDLER}


# ---------------------------------------------------------------- numbers


def next_number(kind: str, year: int) -> str:
    """QY2023-000123: a gap-free sequence per prefix and year, incremented under a row lock."""
    prefix = NUMBER_PREFIX[kind]  # type: ignore[index]
    for _attempt in range(3):
        try:
            with transaction.atomic():
                NumberCounter.objects.get_or_create(prefix=prefix, year=year)
        except IntegrityError:  # another writer created the row first
            continue
        break
    counter = NumberCounter.objects.select_for_update().get(prefix=prefix, year=year)
    counter.value += 1
    counter.save(update_fields=["value"])
    return f"{prefix}{year}-{counter.value:06d}"


# ---------------------------------------------------------------- create


@dataclass
class NewCase:
    kind: str = Kind.REQUEST
    title: str = ""
    description: str = ""
    category: Any = None
    nature: Any = Nature.HELP
    channel: Any = Channel.COMPANY_REQUEST
    importance: Any = Importance.MINOR
    urgency: Any = Urgency.NORMAL
    lead_unit: Any = None
    subject: SubjectRef | None = None
    requester: SubjectRef | None = None
    requester_name: str = ""
    requester_phone: str = ""
    confidential: bool = False
    received_at: datetime | None = None


def create_case(data: NewCase, *, actor: User) -> Case:
    """Validate and file a new case; it starts 待受理 with its SLA deadlines computed."""
    if not actor.has_role(*CREATOR_ROLES):
        raise Forbidden("您没有登记事项的权限")
    kind = coerce.choice(Kind, data.kind, "类别", "kind")
    if kind not in WORKFLOWS:
        raise Invalid(f"“{Kind(kind).label}”类事项尚未开通", "kind_not_enabled", field="kind")
    title = (data.title or "").strip()
    if not title:
        raise Invalid("请填写标题", "missing_field", field="title")
    if len(title) > 200:
        raise Invalid("标题不能超过 200 字", "too_long", field="title")
    nature = coerce.choice(Nature, data.nature, "性质", "nature")
    channel = coerce.choice(Channel, data.channel, "渠道", "channel")
    importance = coerce.choice(Importance, data.importance, "重要性", "importance")
    urgency = coerce.choice(Urgency, data.urgency, "紧急性", "urgency")
    category = coerce.category(kind, data.category)
    lead_unit = coerce.unit(data.lead_unit) if data.lead_unit not in (None, "") else None
    if actor.is_external and (channel != Channel.COMPANY_REQUEST or lead_unit):
        # Channel and lead unit are the office's triage, not the filer's choice: a lead unit chosen here
        # would see the request before the office did. (Importance and urgency stay the filer's statement
        # until the workflow gives the office an action that re-triages them.)
        raise Forbidden("渠道和牵头单位由营商办受理时确定，请不要填写", "triage_not_allowed")
    if kind == Kind.REQUEST and data.subject is None:
        raise Invalid("请选择企业", "missing_field", field="company")
    priority = priority_of(importance, urgency)
    now = timezone.now()
    received = data.received_at or now
    limits = sla.limits_for(kind, nature, priority)
    resolve_due = sla.resolve_deadline(received, limits)
    requester = data.requester or data.subject
    with transaction.atomic():
        case = Case(
            number=next_number(kind, timezone.localtime(received).year),
            kind=kind,
            title=title,
            description=(data.description or "").strip(),
            category=category,
            nature=nature,
            channel=channel,
            importance=importance,
            urgency=urgency,
            priority=priority,
            lead_unit=lead_unit,
            created_by=actor,
            subject_type=data.subject.type if data.subject else "",
            subject_id=data.subject.id if data.subject else None,
            subject_label=data.subject.label if data.subject else "",
            requester_type=requester.type if requester else "",
            requester_id=requester.id if requester else None,
            requester_name=data.requester_name or (requester.label if requester else ""),
            requester_phone=data.requester_phone,
            confidential=data.confidential,
            received_at=received,
            contact_due=sla.hours_deadline(received, limits.contact_hours, limits),
            resolve_due=resolve_due,
            warn_at=sla.warn_at(resolve_due),
            created_at=now,
            updated_at=now,
        )
        case.save()
        search.index_case(case)
        timeline.append(
            case,
            actor=actor,
            action="create",
            to_status=case.status,
            changes={
                "title": title,
                "category": str(category) if category else "",
                "nature": nature,
                "channel": channel,
                "priority": priority,
                "subject": case.subject_label,
                "lead_unit": lead_unit.name if lead_unit else "",
                "resolve_due": resolve_due,
            },
            at=now,
        )
        case.save(update_fields=["event_count", "event_head"])
    return case


# ---------------------------------------------------------------- perform


def _lock(case: Case, version: Any) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    try:
        v = int(version)
    except (TypeError, ValueError):
        raise Invalid("请提供事项版本号 version", "missing_version", field="version") from None
    if v != locked.version:
        raise Conflict(f"该事项已被他人更新（当前版本 {locked.version}，您提交的是 {v}），请刷新后重试")
    return locked


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return str(value).strip() if value is not None else ""


Handler = Callable[[Case, "User", dict[str, Any], datetime], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


def _handles(*actions: str) -> Callable[[Handler], Handler]:
    def wrap(fn: Handler) -> Handler:
        for a in actions:
            _HANDLERS[a] = fn
        return fn

    return wrap


@_handles("reject")
def _reject(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    case.closed_at = now
    return {"referral": _text(data, "referral")}


@_handles("dispatch")
def _dispatch(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    unit = coerce.unit(data.get("lead_unit"))
    old = case.lead_unit.name if case.lead_unit_id and case.lead_unit else ""
    owner = None
    if data.get("owner") not in (None, ""):
        from nuanqi.accounts.models import User as UserModel

        owner = UserModel.objects.filter(pk=data["owner"], unit=unit, is_active=True).first()
        if owner is None:
            raise Invalid("责任人须为主办单位的在岗人员", "invalid_owner", field="owner")
    case.lead_unit = unit
    case.owner = owner
    case.dispatched_at = now
    case.signed_at = None
    limits = sla.limits_for(case.kind, case.nature, case.priority)
    case.sign_due = sla.hours_deadline(now, limits.sign_hours, limits)
    return {"lead_unit": [old, unit.name], "owner": str(owner) if owner else "", "sign_due": case.sign_due}


@_handles("sign")
def _sign(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    case.signed_at = now
    if case.owner_id is None:
        case.owner = actor
    return {"owner": str(case.owner)}


@_handles("return")
def _return(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    days = settings.NUANQI_RETURN_WINDOW_DAYS
    if case.dispatched_at and now > sla.current_calendar().add_working_days(case.dispatched_at, days):
        raise NotAllowedNow(
            f"退单须在派单后 {days} 个工作日内提出，现已超过，请按期办理或申请延期", "return_window_passed"
        )
    old = case.lead_unit.name if case.lead_unit else ""
    case.return_count += 1
    case.owner = None
    case.dispatched_at = None
    case.sign_due = None
    return {"returned_by": old}


@_handles("contact")
def _contact(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    first = case.contacted_at is None
    if first:
        case.contacted_at = now
    return {"first_contact": first}


@_handles("request_extension")
def _request_extension(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    try:
        days = int(str(data.get("days", "")).strip())
    except ValueError:
        raise Invalid("延期天数须为正整数", "invalid_days", field="days") from None
    cap = settings.NUANQI_EXTENSION_CAP_DAYS
    if days < 1:
        raise Invalid("延期天数须为正整数", "invalid_days", field="days")
    if case.extension_days + days > cap:
        left = cap - case.extension_days
        raise Invalid(
            f"延期累计不得超过 {cap} 个工作日，本事项最多还可延期 {left} 个工作日",
            "extension_cap",
            field="days",
        )
    if case.resolve_due and case.warn_at and now > case.warn_at:
        raise NotAllowedNow("延期须在办结期限前至少 1 个工作日提出", "extension_too_late")
    case.extension_pending = {
        "days": days,
        "reason": _text(data, "reason"),
        "by": actor.pk,
        "at": now.isoformat(),
    }
    return {"days": days}


@_handles("approve_extension")
def _approve_extension(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    pending = case.extension_pending or {}
    days = int(pending.get("days", 0))
    old = case.resolve_due
    if case.resolve_due:
        case.resolve_due = sla.extend(case.resolve_due, days)
        case.warn_at = sla.warn_at(case.resolve_due)
    case.extension_days += days
    case.extension_pending = None
    return {"days": days, "resolve_due": [old, case.resolve_due]}


@_handles("deny_extension")
def _deny_extension(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    pending = case.extension_pending or {}
    case.extension_pending = None
    return {"days": pending.get("days")}


def _parse_date(value: Any, field: str, label: str) -> date:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(
            f"{label}“{text}”不是有效日期（应形如 2023-05-10）", "invalid_date", field=field
        ) from None


@_handles("hold")
def _hold(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    review_on = _parse_date(data.get("review_on"), "review_on", "复核日期")
    if review_on <= timezone.localdate(now):
        raise Invalid("复核日期须晚于今天", "invalid_date", field="review_on")
    case.hold_review_on = review_on
    remaining = 0.0
    if case.resolve_due and case.resolve_due > now:
        remaining = sla.current_calendar().working_time_between(now, case.resolve_due).total_seconds() / 3600
    return {"review_on": review_on.isoformat(), "remaining_hours": round(remaining, 4)}


@_handles("resume")
def _resume(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    # The clock stopped while the case was on hold: it resumes with the working time that was left.
    last_hold = case.events.filter(action="hold").order_by("-seq").first()
    remaining = float(last_hold.changes.get("remaining_hours", 0)) if last_hold else 0.0
    old = case.resolve_due
    case.resolve_due = sla.current_calendar().add_working_hours(now, max(remaining, sla.WORKDAY_HOURS))
    case.warn_at = sla.warn_at(case.resolve_due)
    case.hold_review_on = None
    return {"resolve_due": [old, case.resolve_due]}


@_handles("resolve")
def _resolve(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    open_tasks = case.tasks.filter(status__in=[TaskStatus.PENDING, TaskStatus.SIGNED]).count()
    if open_tasks:
        raise NotAllowedNow(f"还有 {open_tasks} 家协办单位未完成，暂不能办结", "tasks_open")
    case.result = _text(data, "result")
    case.resolved_at = now
    return {"result": case.result, "on_time": bool(case.resolve_due is None or now <= case.resolve_due)}


def _restart_clock(case: Case, now: datetime) -> dict[str, Any]:
    limits = sla.limits_for(case.kind, case.nature, case.priority)
    old = case.resolve_due
    case.resolve_due = sla.resolve_deadline(now, limits)
    case.warn_at = sla.warn_at(case.resolve_due)
    case.resolved_at = None
    case.closed_at = None
    case.reopen_count += 1
    return {"resolve_due": [old, case.resolve_due]}


@_handles("rate")
def _rate(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    value = coerce.choice(Satisfaction, data.get("satisfaction"), "满意度", "satisfaction")
    case.satisfaction = value
    case.rating_comment = _text(data, "comment")
    changes: dict[str, Any] = {"satisfaction": value, "comment": case.rating_comment}
    if value == Satisfaction.UNSATISFIED:
        # 不满意 → 重办: back to the lead unit with a fresh deadline.
        case.status = Status.IN_PROGRESS
        changes["reopened"] = True
        changes.update(_restart_clock(case, now))
    return changes


@_handles("reopen")
def _reopen(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    return _restart_clock(case, now)


@_handles("archive")
def _archive(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    case.closed_at = now
    return {}


@_handles("supervise")
def _supervise(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    case.supervised = True
    return {}


@_handles("remind")
def _remind(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    case.remind_count += 1
    return {"count": case.remind_count}


def perform(case: Case, action: str, *, actor: User, version: Any, **data: Any) -> Case:
    """Apply one workflow action. Raises Conflict (stale version), Forbidden, NotAllowedNow or Invalid,
    leaving the case untouched; on success returns the updated case with its new version."""
    with transaction.atomic():
        locked = _lock(case, version)
        table = table_for(locked.kind)
        t = table.get(action)
        if t is None:
            raise Invalid(f"未知的操作“{action}”", "unknown_action", field="action")
        rel = relations(actor, locked)
        if not t.who & rel:
            raise Forbidden(f"您无权对该事项执行“{t.label}”")
        if not t.allows_from(locked.status):
            raise NotAllowedNow(f"事项当前为“{locked.get_status_display()}”，不能执行“{t.label}”")
        pending = locked.extension_pending is not None
        if action in ("approve_extension", "deny_extension") and not pending:
            raise NotAllowedNow("该事项没有待审批的延期申请", "no_pending_extension")
        if action == "request_extension" and pending:
            raise NotAllowedNow("已有一条延期申请待审批", "extension_pending")
        for f in t.required:
            if data.get(f) in (None, "") or (isinstance(data.get(f), str) and not data[f].strip()):
                raise Invalid(f"请填写{FIELD_LABELS.get(f, f)}", "missing_field", field=f)
        now = timezone.now()
        from_status = locked.status
        if t.target:
            locked.status = t.target
        handler = _HANDLERS.get(action)
        changes = handler(locked, actor, data, now) if handler else {}
        locked.version += 1
        locked.updated_at = now
        timeline.append(
            locked,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=locked.status,
            changes=changes,
            reason=_text(data, "reason"),
            at=now,
        )
        locked.save()
    return locked


# ---------------------------------------------------------------- co-handling tasks


def _task_lock(case: Case, version: Any) -> Case:
    if version not in (None, ""):
        return _lock(case, version)
    # Without a version the write still serialises on the case row, so counts and events stay exact.
    return Case.objects.select_for_update().get(pk=case.pk)


def add_task(
    case: Case, *, actor: User, unit: Any, note: str = "", due_at: datetime | None = None, version: Any = None
) -> Task:
    """Add a co-handling unit (联办) to a case."""
    with transaction.atomic():
        locked = _task_lock(case, version)
        rel = relations(actor, locked)
        if not can_manage_tasks(actor, locked, rel):
            raise Forbidden("只有事项责任人或受理派单员可以添加协办单位")
        if locked.status not in (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.NEW):
            raise NotAllowedNow(f"事项当前为“{locked.get_status_display()}”，不能添加协办单位")
        target: Unit = coerce.unit(unit, field="unit", label="协办单位")
        if locked.tasks.filter(unit=target).exists():
            raise Invalid(f"“{target.name}”已是本事项的协办单位", "duplicate_task", field="unit")
        if due_at is not None and timezone.is_naive(due_at):
            due_at = timezone.make_aware(due_at)
        if due_at is not None and due_at <= timezone.now():
            raise Invalid("协办期限须晚于当前时间", "invalid_due", field="due_at")
        now = timezone.now()
        seq = (locked.tasks.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
        task = Task.objects.create(
            case=locked, unit=target, note=(note or "").strip(), due_at=due_at or locked.resolve_due, seq=seq
        )
        locked.version += 1
        locked.updated_at = now
        timeline.append(
            locked,
            actor=actor,
            action="task_add",
            changes={"unit": target.name, "in_district": target.in_district, "due_at": task.due_at},
            reason=task.note,
            at=now,
        )
        locked.save()
    return task


_TASK_MOVES = {
    "sign": ((TaskStatus.PENDING,), TaskStatus.SIGNED, "签收"),
    "done": ((TaskStatus.PENDING, TaskStatus.SIGNED), TaskStatus.DONE, "完成"),
    "return": ((TaskStatus.PENDING, TaskStatus.SIGNED), TaskStatus.RETURNED, "退回"),
}


def task_action(
    case: Case, task_id: int, action: str, *, actor: User, note: str = "", version: Any = None
) -> Task:
    """Sign, complete or return one unit's co-handling task."""
    if action not in _TASK_MOVES:
        raise Invalid(
            f"未知的协办操作“{action}”（可选 sign、done、return）", "unknown_action", field="action"
        )
    sources, target, label = _TASK_MOVES[action]
    with transaction.atomic():
        locked = _task_lock(case, version)
        task = Task.objects.select_related("unit").filter(case=locked, pk=task_id).first()
        if task is None:
            raise Task.DoesNotExist
        rel = relations(actor, locked)
        if not can_act_on_task(actor, task, rel):
            raise Forbidden(f"您无权{label}“{task.unit.name}”的协办任务")
        if task.status not in sources:
            raise NotAllowedNow(f"该协办任务当前为“{task.get_status_display()}”，不能{label}")
        if action == "return" and not (note or "").strip():
            raise Invalid("退回须说明理由", "missing_field", field="note")
        now = timezone.now()
        old = task.status
        task.status = target
        if action == "sign":
            task.signed_at = now
        else:
            task.signed_at = task.signed_at or now
            task.done_at = now
            task.done_by = actor
            task.result = (note or "").strip()
        task.save()
        locked.version += 1
        locked.updated_at = now
        timeline.append(
            locked,
            actor=actor,
            action=f"task_{action}",
            changes={"unit": task.unit.name, "task": task.pk, "status": [old, target]},
            reason=(note or "").strip(),
            at=now,
        )
        locked.save()
    return task


# ---------------------------------------------------------------- SLA sweeps (the worker)


def sla_sweep_event(case_id: int, kind: str, *, now: datetime | None = None) -> Case | None:
    """Raise one SLA card (`sweeps.YELLOW`, `RED`, `REMIND`, `ESCALATE`) on a case: lock the row, re-check
    under the lock that the card is still due (another worker may have raised it), append the event.
    Returns the case, or None when nothing was due. The system is the actor.

    Cards are notices, not changes of the case: only escalation (which sets 督办) bumps the version, so a
    person's open form does not turn stale because a reminder went out."""
    from . import sweeps

    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().filter(pk=case_id).first()
        if locked is None or not sweeps.wanted(locked, kind, now):
            return None
        if locked.sla_due_seen != locked.resolve_due:
            # A new deadline (extension, 重办): the cards of the old one no longer count.
            locked.yellow_sent_at = locked.red_sent_at = locked.escalated_at = None
            locked.sla_due_seen = locked.resolve_due
        changes: dict[str, Any] = {"resolve_due": locked.resolve_due, "card": sweeps.LABELS[kind]}
        if kind == sweeps.YELLOW:
            locked.yellow_sent_at = now
        elif kind == sweeps.RED:
            locked.red_sent_at = now
        elif kind == sweeps.REMIND:
            locked.sla_reminded_at = now
            locked.remind_count += 1
            changes["count"] = locked.remind_count
        elif kind == sweeps.ESCALATE:
            locked.escalated_at = now
            changes["supervised"] = [locked.supervised, True]
            locked.supervised = True
            locked.version += 1
        locked.updated_at = now
        timeline.append(locked, actor=None, action=kind, changes=changes, at=now)
        locked.save()
    return locked

"""The only writers of cases and tasks. Every mutation: one transaction, one table check, one event.

`perform(case, action, *, actor, version, **data)` is the single entry for workflow actions; web views, the
API, imports, the worker and the demo loader all call it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import coerce, kinds, rollup, sla, timeline
from .cards import clock_sweep_event, sla_sweep_event
from .cohandling import add_task, remove_task, task_action
from .errors import Forbidden, Invalid, NotAllowedNow
from .evidence import attach, case_attachments
from .evidence import evidence as evidence_of
from .filing import CREATOR_ROLES, NewCase, create_case, next_number
from .lifecycle import run_clocks, stamp_phase
from .links import link_cases, record_link
from .locking import lock_version
from .models import (
    AppealState,
    Case,
    Channel,
    Importance,
    LinkType,
    Satisfaction,
    TaskStatus,
    Urgency,
    priority_of,
)
from .permissions import relations, unmet
from .workflow import table_for

# The writers that live beside this module, reachable from here as before: `services` is the one place
# views, the API, imports, the worker and the demo call to change a case.
__all__ = [
    "CREATOR_ROLES",
    "NewCase",
    "add_task",
    "attach",
    "case_attachments",
    "clock_sweep_event",
    "create_case",
    "link_cases",
    "next_number",
    "perform",
    "remove_task",
    "sla_sweep_event",
    "task_action",
]

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
    "original": "原事项编号",
    "importance": "重要性",
    "urgency": "紧急性",
}

# Free-text inputs a sealed kind may not send in plaintext (its module seals them and passes `sealed`).
_TEXT_FIELDS = ("reason", "result", "comment", "referral")


# ---------------------------------------------------------------- perform


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
    return {
        "lead_unit": [old, unit.name],
        "lead_unit_id": unit.pk,
        "owner": str(owner) if owner else "",
        "owner_id": owner.pk if owner else None,
        "sign_due": case.sign_due,
    }


@_handles("triage")
def _triage(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """分级定级: priority from importance × urgency, the channel, the proposed lead unit; the deadlines follow
    the time limits of the new priority, counted from receipt as at filing."""
    importance = coerce.choice(Importance, data.get("importance"), "重要性", "importance")
    urgency = coerce.choice(Urgency, data.get("urgency"), "紧急性", "urgency")
    channel = coerce.choice(Channel, data.get("channel") or case.channel, "渠道", "channel")
    changes: dict[str, Any] = {}
    if "lead_unit" in data:
        unit = coerce.unit(data["lead_unit"]) if data["lead_unit"] not in (None, "") else None
        if (unit.pk if unit else None) != case.lead_unit_id:
            old = case.lead_unit.name if case.lead_unit_id and case.lead_unit else ""
            case.lead_unit = unit
            changes["lead_unit"] = [old, unit.name if unit else ""]
            changes["lead_unit_id"] = unit.pk if unit else None
    priority = priority_of(importance, urgency)
    for key, old_value, new_value in (
        ("importance", case.importance, importance),
        ("urgency", case.urgency, urgency),
        ("priority", case.priority, priority),
        ("channel", case.channel, channel),
    ):
        if old_value != new_value:
            changes[key] = [old_value, new_value]
    case.importance, case.urgency, case.priority, case.channel = importance, urgency, priority, channel
    if "priority" in changes:
        limits = sla.limits_for(case.kind, case.nature, priority)
        old_due = case.resolve_due
        case.resolve_due = sla.resolve_deadline(case.received_at, limits)
        case.warn_at = sla.warn_at(case.resolve_due)
        case.contact_due = sla.hours_deadline(case.received_at, limits.contact_hours, limits)
        changes["resolve_due"] = [old_due, case.resolve_due]
    return changes


@_handles("sign")
def _sign(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    case.signed_at = now
    if case.owner_id is None:
        case.owner = actor
    return {"owner": str(case.owner), "owner_id": case.owner_id}


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
    return {"returned_by": old, "owner_id": None}


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
    case.rated_at = now
    # A new rating opens a new appeal window (and ends any appeal against the old one).
    case.appeal_state = AppealState.NONE
    case.appealed_at = None
    changes: dict[str, Any] = {"satisfaction": value, "comment": case.rating_comment}
    spec = kinds.get_kind(case.kind)
    if value == Satisfaction.UNSATISFIED and spec.unsatisfied_to:
        # 不满意 → 重办: back to where the kind says, with a fresh deadline and its reopening clocks.
        case.status = spec.unsatisfied_to
        changes["reopened"] = True
        changes.update(_restart_clock(case, now))
        run_clocks(case, spec, kinds.REOPEN, now)
    return changes


@_handles("appeal")
def _appeal(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    case.appeal_state = AppealState.PENDING
    case.appealed_at = now
    return {"appeal": AppealState.PENDING, "satisfaction": case.satisfaction}


@_handles("uphold_appeal")
def _uphold_appeal(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """申诉成立 takes the 不满意 out of 满意率 (docs/kpis.md)."""
    old, case.appeal_state = case.appeal_state, AppealState.UPHELD
    return {"appeal": [old, case.appeal_state]}


@_handles("reject_appeal")
def _reject_appeal(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """驳回申诉: the 不满意 stays counted."""
    old, case.appeal_state = case.appeal_state, AppealState.REJECTED
    return {"appeal": [old, case.appeal_state]}


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


def perform(
    case: Case,
    action: str,
    *,
    actor: User,
    version: Any,
    sealed: bytes | None = None,
    attachment_ids: Any = None,
    **data: Any,
) -> Case:
    """Apply one workflow action of the case's kind. Raises Conflict (stale version), Forbidden, NotAllowedNow
    or Invalid, leaving the case untouched; on success returns the updated case with its new version.
    `sealed` is a sealed kind's ciphertext note for the event (its free text never reaches the engine)."""
    with transaction.atomic():
        locked = lock_version(case, version)
        table = table_for(locked.kind)
        t = table.get(action)
        if t is None:
            raise Invalid(f"未知的操作“{action}”", "unknown_action", field="action")
        rel = relations(actor, locked)
        if not t.who & rel:
            raise Forbidden(f"您无权对该事项执行“{t.label}”")
        if not t.allows_from(locked.status):
            raise NotAllowedNow(f"事项当前为“{locked.status_label}”，不能执行“{t.label}”")
        if (why := unmet(t, locked)) is not None:
            raise NotAllowedNow(*why)
        spec = kinds.get_kind(locked.kind)
        if spec.sealed and any(_text(data, f) for f in _TEXT_FIELDS):
            raise Invalid("密封类事项的文字须加密后提交", "sealed_plaintext", field="reason")
        for f in t.required:
            if data.get(f) in (None, "") or (isinstance(data.get(f), str) and not data[f].strip()):
                raise Invalid(f"请填写{FIELD_LABELS.get(f, f)}", "missing_field", field=f)
        now = timezone.now()
        from_status = locked.status
        if t.target:
            locked.status = t.target
        evidence = evidence_of(locked, attachment_ids)
        handler = _HANDLERS.get(action)
        changes = handler(locked, actor, data, now) if handler else {}
        if evidence:
            changes["attachments"] = evidence
        stamp_phase(locked, spec, now)
        run_clocks(locked, spec, action, now)
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
            sealed=sealed,
        )
        rollup.record(locked)
        locked.save()
    return locked


def dispatch(
    case: Case,
    *,
    actor: User,
    version: Any,
    lead_unit: Any,
    owner: Any = None,
    cohandlers: Any = (),
    reason: str = "",
) -> Case:
    """派单 with its co-handling units in one step: the dispatch and a task per co-handling unit (each its
    own timeline event), all or nothing."""
    units = []
    for value in cohandlers or ():
        if value in (None, ""):
            continue
        unit = coerce.unit(value, field="cohandlers", label="协办单位")
        if unit not in units:
            units.append(unit)
    with transaction.atomic():
        case = perform(
            case, "dispatch", actor=actor, version=version, lead_unit=lead_unit, owner=owner, reason=reason
        )
        for unit in units:
            if unit.pk != case.lead_unit_id:  # the lead unit leads; it is not its own co-handler
                add_task(case, actor=actor, unit=unit.pk)
        case.refresh_from_db()
    return case


@_handles("merge")
def _merge(case: Case, actor: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """重复件: the duplicate closes pointing at the original, whose timeline records the merge."""
    from .visibility import visible_cases

    number = _text(data, "original")
    original = visible_cases(actor).filter(number=number).first()
    if original is None:
        raise Invalid(f"找不到原事项“{number}”", "unknown_case", field="original")
    if original.received_at > case.received_at or (
        original.received_at == case.received_at and original.pk > case.pk
    ):
        raise Invalid("只能合并到更早登记的事项", "invalid_link", field="original")
    record_link(case, original, LinkType.DUPLICATE_OF, actor, now)
    case.closed_at = now
    return {"original": original.number}

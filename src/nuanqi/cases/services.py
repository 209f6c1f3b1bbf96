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
from django.db.models import Q
from django.utils import timezone

from nuanqi.accounts.models import Role, Unit

from . import coerce, kinds, search, sla, timeline
from .access import SubjectRef
from .errors import Conflict, Forbidden, Invalid, NotAllowedNow
from .models import (
    AppealState,
    Case,
    CaseClock,
    CaseLink,
    Channel,
    Importance,
    Kind,
    LinkType,
    Nature,
    NumberCounter,
    PublicMessage,
    Satisfaction,
    Status,
    Task,
    TaskStatus,
    Urgency,
    priority_of,
)
from .permissions import can_act_on_task, can_manage_tasks, relations, unmet
from .workflow import table_for

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
}

# Free-text inputs a sealed kind may not send in plaintext (its module seals them and passes `sealed`).
_TEXT_FIELDS = ("reason", "result", "comment", "referral")

CREATOR_ROLES = {Role.ADMIN, Role.DISPATCHER, Role.LEADER, Role.COMMISSIONER, Role.ENTERPRISE, Role.HANDLER}


# ---------------------------------------------------------------- numbers


def next_number(kind: str, year: int) -> str:
    """QY2023-000123: a gap-free sequence per prefix and year, incremented under a row lock."""
    prefix = kinds.get_kind(kind).prefix
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
    # A sealed kind's title and content, as the module's ciphertext (title and description stay empty).
    sealed: bytes | None = None


def create_case(data: NewCase, *, actor: User | None, public: bool = False) -> Case:
    """Validate and file a new case; it starts in its kind's initial status with its SLA deadlines
    computed and the clocks that start on filing running. `public=True` (with no actor) is the public intake
    path of `cases.public`, open only to kinds that have a `PublicIntake`."""
    spec = kinds.parse_kind(data.kind)
    kind = spec.code
    if public:
        if spec.public is None:
            raise Forbidden(f"“{spec.label}”不接受公众提交")
    else:
        filers = spec.filers or CREATOR_ROLES
        if actor is None or not actor.has_role(*filers):
            raise Forbidden(f"您没有登记“{spec.label}”的权限")
    title = (data.title or "").strip()
    description = (data.description or "").strip()
    if spec.sealed:
        if title or description:
            raise Invalid("密封类事项的标题和内容须加密后提交", "sealed_plaintext", field="title")
        if not data.sealed:
            raise Invalid("缺少密封内容", "missing_field", field="sealed")
    else:
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
    if actor is not None and actor.is_external and (channel != Channel.COMPANY_REQUEST or lead_unit):
        # Channel and lead unit are the office's triage, not the filer's choice: a lead unit chosen here
        # would see the request before the office did. (Importance and urgency stay the filer's statement
        # until the workflow gives the office an action that re-triages them.)
        raise Forbidden("渠道和牵头单位由营商办受理时确定，请不要填写", "triage_not_allowed")
    if spec.subject_required and (data.subject is None or data.subject.type != spec.subject_required):
        raise Invalid(
            "请选择企业" if spec.subject_required == "company" else "请选择对象",
            "missing_field",
            field=spec.subject_required,
        )
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
            status=spec.initial,
            title=title,
            description=description,
            sealed=data.sealed if spec.sealed else None,
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
        if not spec.sealed:
            search.index_case(case)
        _run_clocks(case, spec, kinds.ON_CREATE, now)
        timeline.append(
            case,
            actor=actor,
            actor_name="公众" if public else None,
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
    case.rated_at = now
    # A new rating opens a new appeal window (and ends any appeal against the old one).
    case.appeal_state = AppealState.NONE
    case.appealed_at = None
    changes: dict[str, Any] = {"satisfaction": value, "comment": case.rating_comment}
    if value == Satisfaction.UNSATISFIED:
        # 不满意 → 重办: back to the lead unit with a fresh deadline.
        case.status = Status.IN_PROGRESS
        changes["reopened"] = True
        changes.update(_restart_clock(case, now))
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
        locked = _lock(case, version)
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
        evidence = _evidence(locked, attachment_ids)
        handler = _HANDLERS.get(action)
        changes = handler(locked, actor, data, now) if handler else {}
        if evidence:
            changes["attachments"] = evidence
        _stamp_phase(locked, spec, now)
        _run_clocks(locked, spec, action, now)
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
        locked.save()
    return locked


def _evidence(case: Case, attachment_ids: Any) -> list[dict[str, Any]]:
    """The files named as an action's evidence: already uploaded to this case (or one of its tasks), listed
    with their SHA-256 in the action's event so that its hash covers them."""
    if attachment_ids in (None, "", []):
        return []
    from nuanqi.attachments.services import max_per_event

    raw = attachment_ids if isinstance(attachment_ids, list | tuple) else str(attachment_ids).split(",")
    try:
        ids = sorted({int(str(i).strip()) for i in raw if str(i).strip()})
    except ValueError:
        raise Invalid("附件编号须为整数", "invalid_attachment", field="attachment_ids") from None
    if len(ids) > max_per_event():
        raise Invalid(f"一次最多附 {max_per_event()} 个文件", "too_many_files", field="attachment_ids")
    found = list(_case_attachments(case).filter(pk__in=ids).order_by("pk"))
    if len(found) != len(ids):
        raise Invalid("附件不属于本事项或不存在，请先上传", "invalid_attachment", field="attachment_ids")
    return [{"id": a.pk, "name": a.name, "sha256": a.sha256, "size": a.size} for a in found]


def _case_attachments(case: Case) -> Any:
    from django.contrib.contenttypes.models import ContentType

    from nuanqi.attachments.models import Attachment

    case_ct = ContentType.objects.get_for_model(Case)
    task_ct = ContentType.objects.get_for_model(Task)
    message_ct = ContentType.objects.get_for_model(PublicMessage)
    return Attachment.objects.filter(
        Q(owner_type=case_ct, owner_id=case.pk)
        | Q(owner_type=task_ct, owner_id__in=Task.objects.filter(case=case).values("pk"))
        | Q(owner_type=message_ct, owner_id__in=PublicMessage.objects.filter(case=case).values("pk"))
    )


def case_attachments(case: Case) -> Any:
    """The files of a case and of its co-handling tasks, oldest first."""
    return _case_attachments(case).order_by("pk")


def attach(case: Case, files: list[Any], *, actor: User, task: Any = None, version: Any = None) -> list[Any]:
    """Upload files to a case (or to one of its co-handling tasks): every file checked and stored, and one
    `attach` event listing each file's name and SHA-256, so `audit verify` notices a file replaced on disk.
    Anyone related to the case may add files; nothing is stored when any file is refused."""
    from nuanqi.attachments.services import max_per_event, store

    if not files:
        raise Invalid("请选择要上传的文件", "missing_field", field="file")
    if len(files) > max_per_event():
        raise Invalid(f"一次最多上传 {max_per_event()} 个文件", "too_many_files", field="file")
    with transaction.atomic():
        locked = _task_lock(case, version)
        rel = relations(actor, locked)
        if not rel:
            raise Forbidden("您与该事项无关，不能上传附件")
        if kinds.is_sealed(locked.kind):
            raise Forbidden("密封类事项的附件由其模块加密保存")
        owner: Any = locked
        if task not in (None, ""):
            try:
                owner = Task.objects.select_related("unit").get(case=locked, pk=int(str(task)))
            except (Task.DoesNotExist, ValueError):
                raise Invalid("协办任务不存在", "unknown_task", field="task") from None
        stored = [store(f, owner=owner, actor=actor) for f in files]
        now = timezone.now()
        changes: dict[str, Any] = {
            "attachments": [{"id": a.pk, "name": a.name, "sha256": a.sha256, "size": a.size} for a in stored]
        }
        if owner is not locked:
            changes["unit"] = owner.unit.name
            changes["task"] = owner.pk
        timeline.notice(locked, actor=actor, action="attach", changes=changes, at=now)
    return stored


def _stamp_phase(case: Case, spec: kinds.KindSpec, now: datetime) -> None:
    """What a status implies, for every kind: reaching a resolved status stamps 办结 (KPIs read
    `resolved_at`); going back to an open status clears it."""
    status = spec.status(case.status)
    if status is None:
        return
    if status.resolved and case.resolved_at is None:
        case.resolved_at = now
    elif status.phase == kinds.OPEN and case.resolved_at is not None:
        case.resolved_at = None


def _run_clocks(case: Case, spec: kinds.KindSpec, action: str, now: datetime) -> None:
    """Start the kind's named clocks that `action` starts, stop those it stops; a closed case stops them all.
    The caller holds the case row lock."""
    if not spec.clocks:
        return
    closing = spec.status(case.status) is not None and case.phase == kinds.CLOSED
    running = (
        {c.name: c for c in CaseClock.objects.filter(case=case, stopped_at__isnull=True)} if case.pk else {}
    )
    for clock in spec.clocks:
        if clock.name in running and (action in clock.stops_on or closing):
            CaseClock.objects.filter(pk=running[clock.name].pk).update(stopped_at=now)
        elif action in clock.starts_on and not closing:
            due, warn = sla.clock_deadline(now if action != kinds.ON_CREATE else case.received_at, clock)
            CaseClock.objects.update_or_create(
                case=case,
                name=clock.name,
                defaults={
                    "started_at": now,
                    "due_at": due,
                    "warn_at": warn,
                    "stopped_at": None,
                    "yellow_sent_at": None,
                    "red_sent_at": None,
                },
            )


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
            raise Forbidden("只有事项责任人、受理派单员或服务该企业的专员可以添加协办单位")
        if locked.phase != kinds.OPEN:
            raise NotAllowedNow(f"事项当前为“{locked.status_label}”，不能添加协办单位")
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


def remove_task(case: Case, task_id: int, *, actor: User, version: Any = None) -> None:
    """Take a co-handling unit off an open case (one that turned out not to be needed). A task the unit has
    completed stays: it is part of the record. Raises Task.DoesNotExist for a task of another case."""
    with transaction.atomic():
        locked = _task_lock(case, version)
        task = Task.objects.select_related("unit").filter(case=locked, pk=task_id).first()
        if task is None:
            raise Task.DoesNotExist
        rel = relations(actor, locked)
        if not can_manage_tasks(actor, locked, rel):
            raise Forbidden("只有事项责任人、受理派单员或服务该企业的专员可以移除协办单位")
        if locked.phase != kinds.OPEN:
            raise NotAllowedNow(f"事项当前为“{locked.status_label}”，不能移除协办单位")
        if task.status == TaskStatus.DONE:
            raise NotAllowedNow(f"“{task.unit.name}”已完成协办，不能移除", "task_done")
        now = timezone.now()
        unit_name = task.unit.name
        task.delete()
        locked.version += 1
        locked.updated_at = now
        timeline.append(locked, actor=actor, action="task_remove", changes={"unit": unit_name}, at=now)
        locked.save()


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
    """Raise one SLA card (`sla.YELLOW`, `RED`, `REMIND`, `ESCALATE`) on a case: lock the row, re-check
    under the lock that the card is still due (another worker may have raised it), append the event.
    Returns the case, or None when nothing was due. The system is the actor.

    Cards are notices, not changes of the case: only escalation (which sets 督办) bumps the version, so a
    person's open form does not turn stale because a reminder went out."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().filter(pk=case_id).first()
        if locked is None or not sla.card_wanted(locked, kind, now):
            return None
        if locked.sla_due_seen != locked.resolve_due:
            # A new deadline (extension, 重办): the cards of the old one no longer count.
            locked.yellow_sent_at = locked.red_sent_at = locked.escalated_at = None
            locked.sla_due_seen = locked.resolve_due
        changes: dict[str, Any] = {"resolve_due": locked.resolve_due, "card": sla.CARD_LABELS[kind]}
        if kind == sla.YELLOW:
            locked.yellow_sent_at = now
        elif kind == sla.RED:
            locked.red_sent_at = now
        elif kind == sla.REMIND:
            locked.sla_reminded_at = now
            locked.remind_count += 1
            changes["count"] = locked.remind_count
        elif kind == sla.ESCALATE:
            locked.escalated_at = now
            changes["supervised"] = [locked.supervised, True]
            locked.supervised = True
            locked.version += 1
        locked.updated_at = now
        timeline.append(locked, actor=None, action=kind, changes=changes, at=now)
        locked.save()
    return locked


def clock_sweep_event(clock_id: int, card: str, *, now: datetime | None = None) -> Case | None:
    """Raise a named clock's card (`sla.CLOCK_YELLOW`, `CLOCK_RED`): lock the case row, re-check under the
    lock, stamp the clock and append the event (no version bump: a notice, not a change). None when nothing
    was due."""
    now = now or timezone.now()
    with transaction.atomic():
        case_id = CaseClock.objects.filter(pk=clock_id).values_list("case_id", flat=True).first()
        if case_id is None:
            return None
        locked = Case.objects.select_for_update().filter(pk=case_id).first()
        clock = CaseClock.objects.filter(pk=clock_id).first()
        if locked is None or clock is None or not sla.clock_card_wanted(locked, clock, card, now):
            return None
        if card == sla.CLOCK_YELLOW:
            clock.yellow_sent_at = now
        else:
            clock.red_sent_at = now
        clock.save(update_fields=["yellow_sent_at", "red_sent_at"])
        spec = kinds.get_kind(locked.kind)
        label = next((str(c.label) for c in spec.clocks if c.name == clock.name), clock.name)
        timeline.notice(
            locked,
            actor=None,
            action=card,
            changes={"clock": clock.name, "label": label, "due": clock.due_at, "card": sla.CARD_LABELS[card]},
            at=now,
        )
    return locked


# ---------------------------------------------------------------- links and merge


def _link(case: Case, other: Case, type_: str, actor: User | None, now: datetime) -> CaseLink:
    """Record the link and tell the other case's timeline (the caller has `case` locked and saves it)."""
    if other.pk == case.pk:
        raise Invalid("不能关联到本事项自身", "invalid_link", field="original")
    if kinds.is_sealed(other.kind) or kinds.is_sealed(case.kind):
        raise Invalid("密封类事项不能与其他事项关联", "invalid_link", field="original")
    link, created = CaseLink.objects.get_or_create(
        from_case=case, to_case=other, type=type_, defaults={"created_by": actor, "created_at": now}
    )
    if not created:
        raise Invalid(f"已与 {other.number} 关联", "duplicate_link", field="original")
    target = Case.objects.select_for_update().get(pk=other.pk)
    timeline.notice(
        target,
        actor=actor,
        action="linked_from",
        changes={"type": type_, "label": str(LinkType(type_).label), "number": case.number},
        at=now,
    )
    return link


def link_cases(case: Case, other_number: str, type_: str, *, actor: User) -> CaseLink:
    """Link `case` to an earlier case (`duplicate_of`, `repeat_of`, `spawned_from`, `relapse_of`); both
    timelines record it. The office, or whoever may act on both cases, links them."""
    type_ = coerce.choice(LinkType, type_, "关联类型", "type")
    from .visibility import visible_cases

    other = visible_cases(actor).filter(number=str(other_number or "").strip()).first()
    if other is None:
        raise Invalid(f"找不到事项“{other_number}”", "unknown_case", field="original")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        rel = relations(actor, locked)
        # Whoever filed the case may also say what it repeats (a patrol's relapse is linked by its patroller).
        if not rel & {"admin", "dispatcher", "owner", "lead_unit", "creator"}:
            raise Forbidden("只有受理派单员、责任人、主办单位或登记人可以关联事项")
        now = timezone.now()
        link = _link(locked, other, type_, actor, now)
        timeline.notice(
            locked,
            actor=actor,
            action="link",
            changes={"type": type_, "label": str(LinkType(type_).label), "number": other.number},
            at=now,
        )
    return link


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
    _link(case, original, LinkType.DUPLICATE_OF, actor, now)
    case.closed_at = now
    return {"original": original.number}

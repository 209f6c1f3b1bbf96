"""Co-handling (联办): the units a case's lead unit works with, each with its own task to sign, complete or
return — written under the case's row lock, each change one timeline event."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from nuanqi.accounts.models import Unit

from . import coerce, kinds, timeline
from .errors import Forbidden, Invalid, NotAllowedNow
from .locking import lock_for_task
from .models import Case, Task, TaskStatus
from .permissions import can_act_on_task, can_manage_tasks, relations

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


def add_task(
    case: Case, *, actor: User, unit: Any, note: str = "", due_at: datetime | None = None, version: Any = None
) -> Task:
    """Add a co-handling unit (联办) to a case."""
    with transaction.atomic():
        locked = lock_for_task(case, version)
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
        locked = lock_for_task(case, version)
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
        locked = lock_for_task(case, version)
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

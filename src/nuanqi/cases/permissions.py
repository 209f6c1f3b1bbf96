"""Who may do what to a case: relations of a person to a case, and the actions the table then allows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from nuanqi.accounts.models import Role
from nuanqi.calendars.services import current_calendar

from .access import providers
from .models import AppealState, Case, Satisfaction, Task
from .workflow import Transition, table_for

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

_OFFICE_ROLES = {Role.ADMIN, Role.DISPATCHER, Role.LEADER}


def relations(user: User, case: Case) -> set[str]:
    rel: set[str] = {str(r) for r in user.roles if r in _OFFICE_ROLES}
    if case.owner_id and case.owner_id == user.pk:
        rel.add("owner")
    if case.created_by_id and case.created_by_id == user.pk:
        rel.add("creator")
    if user.unit_id and user.has_role(Role.HANDLER) and case.lead_unit_id == user.unit_id:
        rel.add("lead_unit")
    for provider in providers():
        rel |= provider.relations(user, case)
    return rel


def unmet(t: Transition, case: Case, now: datetime | None = None) -> tuple[str, str] | None:
    """Why an action the table allows from this status cannot be taken now — (message, code) — or None.
    The UI offers only actions with nothing unmet, and `services.perform` refuses the others with the same
    words."""
    pending = case.extension_pending is not None
    if t.action in ("approve_extension", "deny_extension") and not pending:
        return "该事项没有待审批的延期申请", "no_pending_extension"
    if t.action == "request_extension" and pending:
        return "已有一条延期申请待审批", "extension_pending"
    if t.action == "appeal":
        if case.satisfaction != Satisfaction.UNSATISFIED or case.appeal_state:
            return "只能对尚未申诉的“不满意”评价提出申诉", "appeal_not_open"
        days = int(getattr(settings, "NUANQI_APPEAL_WINDOW_DAYS", 5))
        rated = case.rated_at
        if rated is None or (now or timezone.now()) > current_calendar().add_working_days(rated, days):
            return f"申诉须在评价后 {days} 个工作日内提出，现已超过", "appeal_window_passed"
    if t.action in ("uphold_appeal", "reject_appeal") and case.appeal_state != AppealState.PENDING:
        return "该事项没有待审的申诉", "no_pending_appeal"
    if t.action == "rate" and t.target is None and case.rated_at is not None and _rated_since_moved(case):
        return "本次答复已经评价过了", "already_rated"
    return None


def _rated_since_moved(case: Case) -> bool:
    """A rating that leaves the status as it is (a consultation item rated on its answer) is given once per
    status the case reaches: a new answer after 重办 may be rated again, the same answer not twice."""
    last = case.events.filter(action="rate").order_by("-seq").values_list("seq", flat=True).first()
    if last is None:
        return False
    return not case.events.filter(seq__gt=last).exclude(to_status=F("from_status")).exists()


def allowed_actions(user: User, case: Case, rel: set[str] | None = None) -> list[Transition]:
    """The transitions the table allows this user now, in table order (what the UI offers)."""
    rel = relations(user, case) if rel is None else rel
    return [
        t
        for t in table_for(case.kind).values()
        if t.allows_from(case.status) and t.who & rel and unmet(t, case) is None
    ]


def can_manage_tasks(user: User, case: Case, rel: set[str] | None = None) -> bool:
    """The case's owner, the office, or the commissioner serving the case's company (who runs the errand
    herself, as the seed's commissioner did for the 15-unit certificate) adds co-handling units."""
    rel = relations(user, case) if rel is None else rel
    return bool(rel & {"owner", "admin", "dispatcher", "commissioner"})


def can_act_on_task(user: User, task: Task, rel: set[str]) -> bool:
    """The task unit's handler, or the commissioner who runs the errand, signs and completes it."""
    if "commissioner" in rel or "admin" in rel:
        return True
    return bool(user.unit_id and user.has_role(Role.HANDLER) and task.unit_id == user.unit_id)

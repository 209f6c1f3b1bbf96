"""Who may do what to a case: relations of a person to a case, and the actions the table then allows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nuanqi.accounts.models import Role

from .access import providers
from .models import Case, Task
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


def _extra_condition(t: Transition, case: Case) -> bool:
    pending = case.extension_pending is not None
    if t.action in ("approve_extension", "deny_extension"):
        return pending
    if t.action == "request_extension":
        return not pending
    return True


def allowed_actions(user: User, case: Case, rel: set[str] | None = None) -> list[Transition]:
    """The transitions the table allows this user now, in table order (what the UI offers)."""
    rel = relations(user, case) if rel is None else rel
    return [
        t
        for t in table_for(case.kind).values()
        if t.allows_from(case.status) and t.who & rel and _extra_condition(t, case)
    ]


def can_manage_tasks(user: User, case: Case, rel: set[str] | None = None) -> bool:
    """The case's owner or the office adds co-handling units."""
    rel = relations(user, case) if rel is None else rel
    return bool(rel & {"owner", "admin", "dispatcher"})


def can_act_on_task(user: User, task: Task, rel: set[str]) -> bool:
    """The task unit's handler, or the commissioner who runs the errand, signs and completes it."""
    if "commissioner" in rel or "admin" in rel:
        return True
    return bool(user.unit_id and user.has_role(Role.HANDLER) and task.unit_id == user.unit_id)

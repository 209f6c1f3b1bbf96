"""Who hears of a timeline event. One table from action to audience, resolved with a few queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from nuanqi.accounts.models import Role, User

if TYPE_CHECKING:
    from nuanqi.cases.models import Case, Event

# The audiences: the lead unit (its owner, or its handlers while nobody owns the case), the office
# (dispatchers), the requester's side (the filer, the company's commissioner and contacts), a task's unit.
AUDIENCE: dict[str, tuple[str, ...]] = {
    "create": ("office",),
    "dispatch": ("unit",),
    "reopen": ("unit",),
    "rate": ("unit",),
    "return": ("office",),
    "request_extension": ("office",),
    "approve_extension": ("unit",),
    "deny_extension": ("unit",),
    "remind": ("unit",),
    "supervise": ("unit",),
    "accept": ("requester",),
    "reject": ("requester",),
    "resolve": ("requester",),
    "task_add": ("task_unit",),
    "task_return": ("unit",),
    "sla_yellow": ("unit",),
    "sla_red": ("unit",),
    "sla_remind": ("unit",),
    "sla_escalate": ("office", "unit"),
}


def _unit_q(case: Case) -> Q | None:
    if case.owner_id:
        return Q(pk=case.owner_id)
    if case.lead_unit_id:
        return Q(unit_id=case.lead_unit_id, role_grants__role=Role.HANDLER)
    return None


def _requester_q(case: Case) -> Q | None:
    q = Q(pk=case.created_by_id) if case.created_by_id else None
    if case.subject_type == "company" and case.subject_id:
        from nuanqi.enterprise.models import Assignment, CompanyContact

        side = Q(
            pk__in=Assignment.objects.filter(company_id=case.subject_id, ended_on__isnull=True).values(
                "commissioner__user_id"
            )
        ) | Q(pk__in=CompanyContact.objects.filter(company_id=case.subject_id).values("user_id"))
        q = side if q is None else q | side
    return q


def recipients(event: Event, case: Case) -> list[User]:
    """The active people to notify of `event`, never its own actor. One query."""
    q: Q | None = None
    for audience in AUDIENCE.get(event.action, ()):
        part: Q | None = None
        if audience == "office":
            part = Q(role_grants__role=Role.DISPATCHER)
        elif audience == "unit":
            part = _unit_q(case)
        elif audience == "requester":
            part = _requester_q(case)
        elif audience == "task_unit":
            name = str((event.changes or {}).get("unit", ""))
            part = Q(unit__name=name, role_grants__role=Role.HANDLER) if name else None
        if part is not None:
            q = part if q is None else q | part
    if q is None:
        return []
    qs = User.objects.filter(q, is_active=True).distinct()
    if event.actor_id:
        qs = qs.exclude(pk=event.actor_id)
    return list(qs.only("id", "email", "phone", "display_name", "username"))

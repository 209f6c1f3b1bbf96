"""Who hears of a timeline event. One table from action to audience, resolved with a few queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from nuanqi.accounts.models import Role, RoleGrant, User

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
    "merge": ("requester",),
    "task_add": ("task_unit",),
    "task_return": ("unit",),
    "sla_yellow": ("unit",),
    "sla_red": ("unit",),
    "sla_remind": ("unit",),
    "sla_escalate": ("office", "unit"),
}


def _handlers(unit_filter: Q) -> QuerySet[RoleGrant, int]:
    return RoleGrant.objects.filter(unit_filter, role=Role.HANDLER).values_list("user_id", flat=True)


def _unit_ids(case: Case) -> list[int]:
    if case.owner_id:
        return [case.owner_id]
    if case.lead_unit_id:
        return list(_handlers(Q(user__unit_id=case.lead_unit_id)))
    return []


def _requester_ids(case: Case, *, followers: bool = True) -> list[int]:
    """The filer and the company's people; with `followers`, also those of the duplicates merged into this
    case (重复件), who follow the original from then on."""
    ids = [case.created_by_id] if case.created_by_id else []
    if followers:
        from nuanqi.cases.models import Case as CaseModel
        from nuanqi.cases.models import LinkType

        for dup in CaseModel.objects.filter(links_out__to_case=case, links_out__type=LinkType.DUPLICATE_OF):
            ids += _requester_ids(dup, followers=False)
    if case.subject_type and case.subject_id:
        from nuanqi.cases.access import subject_followers

        ids += subject_followers(case.subject_type, case.subject_id)  # a company's commissioner and contacts
    return ids


def recipients(event: Event, case: Case) -> list[User]:
    """The active people to notify of `event`, never its own actor.

    Each audience is a small indexed lookup (a role, a unit's handlers, a company's people) and the
    people are fetched by id: one OR across joins made the database scan every user inside the write
    transaction of each case action, which serialised intake at a province's scale.
    """
    from nuanqi.cases import kinds

    ids: set[int] = set()
    spec = next((k for k in kinds.all_kinds() if k.code == case.kind), None)
    audiences = AUDIENCE.get(event.action, ()) if spec is None or spec.notify is None else ()
    if spec is not None and spec.notify is not None:
        ids.update(spec.notify(event, case))
    for audience in audiences:
        if audience == "office":
            ids.update(RoleGrant.objects.filter(role=Role.DISPATCHER).values_list("user_id", flat=True))
        elif audience == "unit":
            ids.update(_unit_ids(case))
        elif audience == "requester":
            ids.update(_requester_ids(case))
        elif audience == "task_unit":
            name = str((event.changes or {}).get("unit", ""))
            if name:
                ids.update(_handlers(Q(user__unit__name=name)))
    ids.discard(event.actor_id)
    if not ids:
        return []
    people = User.objects.filter(pk__in=ids, is_active=True)
    return list(people.only("id", "email", "phone", "display_name", "username").order_by("pk"))

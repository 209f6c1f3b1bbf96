"""Who may know of a tip: the members of its inspection group, and nobody else — not admins, leaders or
dispatchers, and not a member whose own unit is the reported unit (回避). The only way views and endpoints
fetch tips (DESIGN.md rule 3); everyone else gets 404."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from .models import GroupMember, InspectionGroup, Tip
from .workflow import LEADER, MEMBER, TIP

if TYPE_CHECKING:
    from nuanqi.accounts.models import User
    from nuanqi.cases.models import Case


def member_groups(user: User) -> QuerySet[InspectionGroup]:
    if not user.is_authenticated or not user.is_active:
        return InspectionGroup.objects.none()
    return InspectionGroup.objects.filter(memberships__user=user)


def visible_tips(user: User) -> QuerySet[Tip]:
    """Tips of the groups this person is a member of, except those on the person's own unit."""
    if not user.is_authenticated or not user.is_active:
        return Tip.objects.none()
    tips = Tip.objects.filter(group__memberships__user=user)
    if user.unit_id:
        tips = tips.exclude(target_unit_id=user.unit_id)
    return tips.select_related("case", "group", "round", "target_unit")


def get_visible_tip(user: User, number: str) -> Tip:
    """The tip with this case number if the person may know of it; otherwise Tip.DoesNotExist (→ 404)."""
    return visible_tips(user).get(case__number=number)


def is_group_leader(user: User, tip: Tip) -> bool:
    return GroupMember.objects.filter(group_id=tip.group_id, user=user, role=GroupMember.LEADER).exists()


def eligible_members(tip: Tip) -> QuerySet[GroupMember]:
    """The group's members a tip may be sealed to (a member from the reported unit is not)."""
    return (
        GroupMember.objects.filter(group_id=tip.group_id, user__is_active=True)
        .exclude(user__unit_id=tip.target_unit_id)
        .select_related("user")
    )


def readers_of(case: Case) -> list[int]:
    """Who hears of a tip's events (the engine asks through the kind's `notify`)."""
    tip = Tip.objects.filter(case=case).first()
    if tip is None:
        return []
    return list(eligible_members(tip).values_list("user_id", flat=True))


class TipAccess:
    """The engine's access provider: the relations `perform` checks (组员, 组长). Tips are a sealed kind, so
    no generic list reads them and `visible_q` adds nothing."""

    def visible_q(self, user: User) -> Q | None:
        return None

    def worklist_q(self, user: User) -> Q | None:
        return None

    def relations(self, user: User, case: Case) -> set[str]:
        if case.kind != TIP:
            return set()
        tip = visible_tips(user).filter(case=case).first()
        if tip is None:
            return set()
        return {MEMBER, LEADER} if is_group_leader(user, tip) else {MEMBER}

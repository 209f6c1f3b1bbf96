"""An inspection round open today, its group and the people around it: a leader and a member of the group
(with keys unlocked by their passwords), a member of another group, a member from the reported unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from nuanqi.accounts.models import Role, RoleGrant, Unit, User
from nuanqi.tips.keys import ensure_member_key
from nuanqi.tips.models import GroupMember, InspectionGroup, Round
from tests.conftest import PASSWORD, World


@dataclass
class Inspection:
    world: World
    round: Round
    group: InspectionGroup
    other_group: InspectionGroup
    leader: User  # 组长
    member: User  # 组员
    stranger: User  # a member of the other group
    conflicted: User  # a member of the group whose own unit is the reported unit
    target: Unit

    def login(self, user: User) -> Client:
        """A real login through the form: the password unlocks the member's key for the session."""
        c = Client()
        response = c.post("/login/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.content[:500]
        return c


def _inspector(username: str, name: str, unit: Unit | None = None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, display_name=name, unit=unit)
    RoleGrant.objects.create(user=user, role=Role.INSPECTOR)
    return user


@pytest.fixture
def inspection(world: World) -> Inspection:
    today = timezone.localdate()
    rnd = Round.objects.create(
        term="十四届区委",
        round_no=7,
        batch_no=1,
        window_start=today - timedelta(days=10),
        window_end=today + timedelta(days=30),
        sessions=[["08:30", "12:00"], ["14:00", "17:00"]],
    )
    group = InspectionGroup.objects.create(
        round=rnd, number=1, phone="0580-8000101", postal_address="定海区昌国路61号", postcode="316000"
    )
    group.target_units.add(world.zhujian)
    other = InspectionGroup.objects.create(
        round=rnd, number=2, phone="0580-8000102", postal_address="定海区昌国路61号", postcode="316000"
    )
    other.target_units.add(world.jingxin)
    leader = _inspector("xc_leader", "组长甲")
    member = _inspector("xc_member", "组员乙")
    stranger = _inspector("xc_other", "二组组员丙")
    conflicted = _inspector("xc_conflicted", "组员丁", unit=world.zhujian)
    GroupMember.objects.create(group=group, user=leader, role=GroupMember.LEADER)
    GroupMember.objects.create(group=group, user=member)
    # Written directly: the admin form refuses this membership (GroupMember.clean); the data may still hold
    # it after a transfer between units, and visibility must hold anyway.
    GroupMember.objects.create(group=group, user=conflicted)
    GroupMember.objects.create(group=other, user=stranger, role=GroupMember.LEADER)
    for u in (leader, member, stranger, conflicted):
        ensure_member_key(u, PASSWORD)
    return Inspection(world, rnd, group, other, leader, member, stranger, conflicted, world.zhujian)

"""The consultation personas: a 政协 committee, its staff member, a session on sports facilities with a
member, a public representative and the head of the answering unit, on top of the shared world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from nuanqi.accounts.models import Role, Unit, UnitKind, User
from nuanqi.consult.models import Participant, ParticipantRole, Session
from nuanqi.consult.services import NewSession, add_participant, create_session

from ..conftest import World, _person


@dataclass
class Consult:
    cppcc: Unit
    staff: User
    session: Session
    member: Participant
    representative: Participant
    head: Participant


@pytest.fixture
def consult(world: World) -> Consult:
    cppcc = Unit.objects.create(name="政协舟山市定海区委员会", short_name="区政协", kind=UnitKind.OTHER)
    staff = _person("consultstaff", "政协工作人员壬", Role.CONSULT_STAFF, unit=cppcc)
    session = create_session(
        NewSession(
            topic="深化“运动定海”建设 持续提升港城活力",
            held_on=date(2023, 3, 29),
            organiser="区政协",
            venue="区政协会议室",
            public=True,
        ),
        actor=staff,
    )
    member = add_participant(session, role=ParticipantRole.MEMBER, name="委员甲", actor=staff)
    rep = add_participant(session, role=ParticipantRole.REPRESENTATIVE, name="代表乙", actor=staff)
    head = add_participant(
        session, role=ParticipantRole.UNIT_HEAD, name="局长丙", unit=world.zhujian, actor=staff
    )
    return Consult(cppcc, staff, session, member, rep, head)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"

"""The member who raised an item rates the answer through the engine's generic `rate` action: the kind's
table says from where and who, the kind's `unsatisfied_to` where a 不满意 sends it (重新答复, the written
clock anew)."""

from __future__ import annotations

import pytest

from nuanqi.accounts.models import User
from nuanqi.cases import kinds
from nuanqi.cases.errors import Forbidden, NotAllowedNow
from nuanqi.cases.models import CaseClock
from nuanqi.cases.permissions import allowed_actions
from nuanqi.cases.visibility import visible_cases
from nuanqi.consult.models import ParticipantRole
from nuanqi.consult.services import add_participant, raise_item

from ..cases.helpers import act
from ..conftest import _person


@pytest.fixture
def member_user(world, consult) -> User:
    return _person("weiyuan", "委员丁")


@pytest.fixture
def answered(world, consult, member_user):
    member = add_participant(
        consult.session, role=ParticipantRole.MEMBER, name="委员丁", user=member_user, actor=consult.staff
    )
    case = raise_item(
        consult.session,
        title="全民健身场地少、规模小",
        description="建议利用滨海空间建设健身步道。",
        raised_by=member,
        lead_unit=world.zhujian,
        actor=consult.staff,
    )
    return act(case, "answer", world.handler, reason="书面答复：滨海绿道二期列入年度计划。")


def _actions(user, case):
    return [t.action for t in allowed_actions(user, case)]


def test_the_member_who_raised_the_item_sees_it_and_is_offered_the_rating(
    world, consult, member_user, answered
):
    assert visible_cases(member_user).filter(pk=answered.pk).exists()
    assert _actions(member_user, answered) == ["rate"]
    stranger = _person("stranger", "路人戊")
    assert not visible_cases(stranger).filter(pk=answered.pk).exists()


def test_a_satisfied_rating_keeps_the_status_and_is_given_once_per_answer(
    world, consult, member_user, answered
):
    case = act(answered, "rate", member_user, satisfaction="satisfied", comment="答复具体。")
    assert case.status == "consult_answered" and case.satisfaction == "satisfied"
    assert case.rated_at is not None and case.rating_comment == "答复具体。"
    assert "rate" not in _actions(member_user, case)
    with pytest.raises(NotAllowedNow) as exc:
        act(case, "rate", member_user, satisfaction="unsatisfied")
    assert exc.value.code == "already_rated"
    # The office's adoption decision moves the item on; the implementation may be rated in its turn.
    case = act(case, "adopt", consult.staff)
    assert "rate" in _actions(member_user, case)


def test_an_unsatisfied_rating_sends_the_item_back_to_the_unit_with_the_written_clock_anew(
    world, consult, member_user, answered
):
    assert CaseClock.objects.get(case=answered, name="written").stopped_at is not None
    case = act(answered, "rate", member_user, satisfaction="unsatisfied", comment="没有时间表。")
    assert case.status == "consult_assigned" and case.reopen_count == 1
    clock = CaseClock.objects.get(case=case, name="written")
    assert clock.stopped_at is None and clock.due_at > case.rated_at
    event = case.events.order_by("-seq").first()
    assert event.action == "rate" and event.changes["reopened"] is True
    # The unit answers again, and the new answer may be rated.
    case = act(case, "answer", world.handler, reason="补充答复：二期 2024 年开工。")
    assert CaseClock.objects.get(case=case, name="written").stopped_at is not None
    case = act(case, "rate", member_user, satisfaction="satisfied")
    assert case.status == "consult_answered" and case.satisfaction == "satisfied"


def test_the_staff_records_a_rating_for_a_member_without_an_account_and_a_unit_may_not(world, consult):
    case = raise_item(
        consult.session, title="场馆开放时间短", raised_by=consult.member, lead_unit=world.zhujian,
        actor=consult.staff,
    )  # fmt: skip
    case = act(case, "answer", world.handler, reason="学校场馆错时开放。")
    with pytest.raises(Forbidden):
        act(case, "rate", world.handler, satisfaction="satisfied")
    case = act(case, "rate", consult.staff, satisfaction="basic")
    assert case.satisfaction == "basic"


def test_rating_is_generic_in_the_engine_and_a_kind_without_unsatisfied_to_is_not_reopened(world):
    spec = kinds.get_kind("request")
    assert spec.unsatisfied_to == "in_progress"
    with pytest.raises(ValueError, match="unsatisfied_to"):
        kinds._check(
            kinds.KindSpec(
                code="toyrate",
                label="玩具",
                prefix="TR",
                statuses=(
                    kinds.StatusDef("toy_open", "开", kinds.OPEN),
                    kinds.StatusDef("toy_x", "关", kinds.CLOSED),
                ),
                transitions=(),
                initial="toy_open",
                unsatisfied_to="toy_x",
            )
        )

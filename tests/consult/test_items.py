"""Consultation items are engine cases (kind `consult`): 提出 → 交办 → 现场答复 → 书面答复 → 采纳 / 部分采纳 →
落实, or 留作参考 / 不予采纳 with a reason; the written answer is a named clock."""

from __future__ import annotations

import pytest

from nuanqi.cases import kinds
from nuanqi.cases.errors import Forbidden, Invalid, NotAllowedNow
from nuanqi.cases.models import CaseClock, CaseLink, LinkType
from nuanqi.cases.services import link_cases
from nuanqi.cases.visibility import my_worklist, visible_cases
from nuanqi.consult.services import facts, raise_item, record_on_spot_answer, unit_figures
from nuanqi.consult.workflow import CONSULT_KIND

from ..cases.helpers import act, file_case


def raised(world, consult, **kw):
    return raise_item(
        consult.session,
        title="体育场地设施供给不足，规划中还有哪些计划？",
        description="场地规模小、类型单一、特色场馆少。",
        raised_by=consult.representative,
        actor=consult.staff,
        **kw,
    )


def test_the_kind_is_registered_by_the_consult_module_with_its_prefix_and_clock():
    spec = kinds.get_kind("consult")
    assert spec is CONSULT_KIND and spec.prefix == "XS" and str(spec.label) == "协商事项"
    assert spec.status_codes(kinds.CLOSED, resolved=True) == (
        "consult_done",
        "consult_reference",
        "consult_declined",
    )
    assert [c.name for c in spec.clocks] == ["written", "implement"]


def test_an_item_goes_from_raised_to_implemented_and_its_timeline_keeps_each_answer(world, consult):
    case = raised(world, consult)
    assert case.number.startswith("XS") and case.status == "consult_raised"
    assert case.requester_name == "代表乙" and case.subject_label.startswith("深化")
    case = act(case, "dispatch", consult.staff, lead_unit=world.zhujian)
    assert case.status == "consult_assigned"
    assert CaseClock.objects.get(case=case, name="written").stopped_at is None
    case = record_on_spot_answer(
        case, "已建成环浙步道，将完善国家登山健身步道。", actor=consult.staff, version=case.version
    )
    assert case.status == "consult_spot"
    case = act(case, "answer", world.handler, reason="书面答复：滨海绿道二期列入年度计划。")
    assert case.status == "consult_answered"
    case = act(case, "adopt_part", consult.staff, reason="先建健身路径。")
    assert case.status == "consult_adopted"
    case = act(case, "implement", world.handler, reason="健身路径已建成。")
    assert case.status == "consult_done" and case.resolved_at is not None

    f = facts([case])[case.pk]
    assert f.spot_answer.startswith("已建成环浙步道")
    assert f.written_answer == "书面答复：滨海绿道二期列入年度计划。"
    assert (f.decision, f.decision_reason, f.implemented) == (
        "adopt_part",
        "先建健身路径。",
        "健身路径已建成。",
    )
    assert f.answered_on_time is True
    [row] = unit_figures([case], facts([case]))
    assert (row.unit, row.items, row.answered, row.on_time, row.adopted, row.implemented) == (
        "区住建局", 1, 1, 1, 1, 1,
    )  # fmt: skip


@pytest.mark.parametrize("decision", ["keep_reference", "decline"])
def test_keeping_for_reference_or_declining_needs_a_reason(world, consult, decision):
    case = raised(world, consult, lead_unit=world.zhujian)
    case = act(case, "answer", world.handler, reason="已研究。")
    with pytest.raises(Invalid) as exc:
        act(case, decision, consult.staff)
    assert exc.value.code == "missing_field"
    case.refresh_from_db()
    assert case.status == "consult_answered"
    case = act(case, decision, consult.staff, reason="近期不具备条件。")
    assert case.phase == kinds.CLOSED


def test_an_on_the_spot_answer_must_say_something_and_only_once(world, consult):
    case = raised(world, consult, lead_unit=world.zhujian)
    with pytest.raises(Invalid) as exc:
        record_on_spot_answer(case, "  ", actor=consult.staff, version=case.version)
    assert exc.value.message == "请填写现场答复内容"
    case = record_on_spot_answer(case, "现场答复。", actor=consult.staff, version=case.version)
    with pytest.raises(NotAllowedNow):
        record_on_spot_answer(case, "再答一次。", actor=consult.staff, version=case.version)


def test_another_unit_cannot_answer_and_does_not_see_the_item(world, consult):
    case = raised(world, consult, lead_unit=world.zhujian)
    with pytest.raises(Forbidden):
        act(case, "answer", world.handler2, reason="不是我们的事")
    assert not visible_cases(world.handler2).filter(pk=case.pk).exists()
    assert visible_cases(world.handler).filter(pk=case.pk).exists()


def test_the_item_is_on_the_staff_worklist_until_assigned_then_on_the_units(world, consult):
    case = raised(world, consult)
    assert my_worklist(consult.staff).filter(pk=case.pk).exists()
    assert not my_worklist(world.handler).filter(pk=case.pk).exists()
    case = act(case, "dispatch", consult.staff, lead_unit=world.zhujian)
    assert my_worklist(world.handler).filter(pk=case.pk).exists()
    assert not my_worklist(consult.staff).filter(pk=case.pk).exists()


def test_an_item_can_become_an_enterprise_case_linked_both_ways(world, consult):
    item = raised(world, consult, lead_unit=world.zhujian)
    request = file_case(world.dispatcher, world.huakang, title="企业周边健身设施需求")
    link_cases(request, item.number, LinkType.SPAWNED_FROM, actor=world.dispatcher)
    link = CaseLink.objects.get(from_case=request, to_case=item)
    assert link.type == LinkType.SPAWNED_FROM
    assert item.links_in.filter(from_case=request).exists()


def test_only_the_staff_and_the_office_raise_items(world, consult):
    with pytest.raises(Forbidden):
        raise_item(consult.session, title="我也想提", description="", actor=world.handler)

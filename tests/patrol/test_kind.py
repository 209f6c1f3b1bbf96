"""The patrol-problem kind, registered by the patrol module: 发现 → 立案 → 派遣 → 整改中 → 申请销号 →
复查通过 (销号) or 复查不通过 (back to 整改中), with its 立案 and 整改 clocks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from nuanqi.cases import kinds, services
from nuanqi.cases.access import SubjectRef
from nuanqi.cases.errors import Forbidden, NotAllowedNow
from nuanqi.cases.models import Case, CaseClock
from nuanqi.patrol.workflow import PATROL_KIND

from ..api.test_api import api_for
from ..cases.helpers import act
from .conftest import photo

TZ = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2023, 3, 27, 9, 0, tzinfo=TZ)


def file_problem(world, patrols, *, by=None, received_at=MONDAY_9) -> Case:
    point = patrols.weihai
    return services.create_case(
        services.NewCase(
            kind="patrol",
            title="卫海社区：网络通信箱箱门缺失",
            description="3 号楼旁",
            channel="patrol",
            lead_unit=point.responsible_unit,
            subject=SubjectRef("point", point.pk, point.name),
            received_at=received_at,
        ),
        actor=by or patrols.leader,
    )


def clock(case: Case, name: str) -> CaseClock:
    return CaseClock.objects.get(case=case, name=name)


def test_the_kind_is_registered_by_the_patrol_module_with_its_prefix_and_phases():
    spec = kinds.get_kind("patrol")
    assert spec is PATROL_KIND and str(spec.label) == "巡查问题" and spec.prefix == "XC"
    assert spec.initial == "patrol_found"
    assert spec.status_codes(kinds.CLOSED, resolved=True) == ("patrol_closed",)
    assert spec.status("patrol_fixing").turn == kinds.TURN_LEAD_UNIT
    assert spec.status("on_hold").phase == kinds.HELD


def test_a_problem_goes_from_found_to_closed_after_a_failed_and_a_passed_recheck(world, patrols):
    case = file_problem(world, patrols)
    assert case.number.startswith("XC2023-") and case.status == "patrol_found"
    # 立案 within 30 working minutes of 发现.
    assert clock(case, "file").due_at == datetime(2023, 3, 27, 9, 30, tzinfo=TZ)

    case = act(case, "file", world.dispatcher)
    assert case.status == "patrol_filed" and clock(case, "file").stopped_at is not None
    case = act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    assert case.status == "patrol_fixing" and case.lead_unit == world.zhujian
    fix = clock(case, "fix")
    assert fix.stopped_at is None and fix.due_at > case.dispatched_at

    evidence = services.attach(case, [photo("整改后.jpg")], actor=world.handler)
    case = act(case, "apply_close", world.handler, reason="已补装箱门", attachment_ids=[evidence[0].pk])
    assert case.status == "patrol_review" and clock(case, "fix").stopped_at is not None

    case = act(case, "recheck_fail", patrols.leader, reason="箱门未上锁")
    assert case.status == "patrol_fixing" and clock(case, "fix").stopped_at is None  # a new period

    case = act(case, "apply_close", world.handler, reason="已加锁")
    case = act(case, "recheck_pass", patrols.leader)
    assert case.status == "patrol_closed" and case.phase == "closed" and case.resolved_at is not None
    assert list(case.events.values_list("action", flat=True)) == [
        "create", "file", "dispatch", "attach", "apply_close", "recheck_fail", "apply_close", "recheck_pass",
    ]  # fmt: skip


def test_only_the_office_files_and_only_the_lead_unit_applies_for_closing(world, patrols):
    case = file_problem(world, patrols)
    with pytest.raises(Forbidden):
        act(case, "file", patrols.leader)
    case = act(case, "file", world.dispatcher)
    with pytest.raises(NotAllowedNow):
        act(case, "apply_close", world.handler, reason="已整改")
    case = act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    with pytest.raises(Forbidden):
        act(case, "apply_close", world.handler2, reason="不是我们的点位")
    with pytest.raises(Forbidden):
        act(case, "recheck_pass", patrols.leader2)


def test_a_dismissed_problem_is_closed_and_not_resolved(world, patrols):
    case = act(file_problem(world, patrols), "reject", world.dispatcher, reason="非本辖区")
    assert (case.status, case.phase, case.resolved_at) == ("patrol_dismissed", "closed", None)


def test_the_api_describes_the_kind_with_its_clocks(world):
    kinds_ = {k["code"]: k for k in api_for(world.dispatcher).get("/cases/kinds").json()}
    patrol = kinds_["patrol"]
    assert patrol["label"] == "巡查问题"
    assert {c["name"] for c in patrol["clocks"]} == {"file", "fix"}


def test_a_problem_not_filed_within_30_working_minutes_gets_a_red_card_once(world, patrols):
    from nuanqi.cases import sweeps

    case = file_problem(world, patrols)
    assert sweeps.sweep(datetime(2023, 3, 27, 9, 25, tzinfo=TZ)).raised[sweeps.CLOCK_YELLOW] == 1
    assert sweeps.sweep(datetime(2023, 3, 27, 9, 31, tzinfo=TZ)).raised[sweeps.CLOCK_RED] == 1
    assert sweeps.sweep(datetime(2023, 3, 27, 9, 40, tzinfo=TZ)).raised[sweeps.CLOCK_RED] == 0
    red = case.events.get(action="clock_red")
    assert red.changes["clock"] == "file" and red.changes["label"] == "立案"


def test_the_case_page_names_the_subject_and_the_description_in_the_kinds_words(world, patrols):
    problem = file_problem(world, patrols)
    html = world.client(world.dispatcher).get(f"/cases/{problem.number}/").content.decode()
    assert "<dt>点位</dt><dd>卫海社区</dd>" in html and "<h2>问题描述</h2>" in html
    assert "企业" not in html.split('<dl class="facts">')[1].split("</dl>")[0]
    request = world.client(world.dispatcher)
    from ..cases.helpers import file_case

    company_case = file_case(world.commissioner, world.huakang)
    page = request.get(f"/cases/{company_case.number}/").content.decode()
    assert f'<dt>企业</dt><dd><a href="/companies/{world.huakang.pk}/">' in page

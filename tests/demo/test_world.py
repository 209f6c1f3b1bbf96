"""The seed's world (`nuanqi demo`): what `build_world` loads, and that it went through the services."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import QuerySet
from django.test import override_settings

from nuanqi.accounts.models import Unit, UnitKind, User
from nuanqi.cases.models import Case, Event, SlaState, Status, TaskStatus
from nuanqi.cases.sla import sla_state
from nuanqi.cases.timeline import verify
from nuanqi.cases.visibility import my_worklist, visible_cases
from nuanqi.demo.seed_data import CERTIFICATE_TITLE, SEED_PERSON_NAMES
from nuanqi.demo.world import DEMO_LOGINS, DEMO_PASSWORD, build_world
from nuanqi.enterprise.models import Assignment, Commissioner, Company, WorkLogEntry
from tests.demo_snapshot import demo_world

pytestmark = pytest.mark.django_db

TOPS = {"要素保障", "政府审批", "安全环保", "政策兑现", "经营发展"}


@pytest.fixture(scope="module", autouse=True)
def summary(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, int | str]]:
    """The world is built once for this module, inside a transaction that is rolled back afterwards."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield demo_world(fresh=True)
        transaction.set_rollback(True)


def company(name: str) -> Company:
    return Company.objects.get(name=name)


def cases_of(c: Company) -> QuerySet[Case]:
    return Case.objects.filter(kind="request", subject_type="company", subject_id=c.pk)


def test_the_world_has_the_districts_units_and_some_outside_it(summary):
    assert Unit.objects.count() >= 25
    assert Unit.objects.filter(in_district=False).count() >= 5
    assert Unit.objects.filter(in_district=False).exclude(region_code="330902").count() >= 5
    assert Unit.objects.filter(kind=UnitKind.TOWN).count() >= 15
    assert Unit.objects.filter(kind=UnitKind.INSPECTION_GROUP).count() == 3
    assert Unit.objects.filter(kind=UnitKind.BANK).exists()
    assert Unit.objects.filter(kind=UnitKind.TASKFORCE).exists()
    assert summary["单位"] == Unit.objects.count()


def test_the_certificate_case_runs_across_15_units_and_the_commissioner_ran_6(summary):
    case = Case.objects.get(title=CERTIFICATE_TITLE)
    commissioner = User.objects.get(username="commissioner")
    assert case.subject_label == "舟山华康生物科技有限公司"
    assert case.channel == "volunteered" and case.status == Status.IN_PROGRESS
    assert case.tasks.count() == 15
    done = case.tasks.filter(status=TaskStatus.DONE)
    assert done.count() == 6
    assert set(done.values_list("done_by", flat=True)) == {commissioner.pk}
    assert case.tasks.filter(unit__in_district=False).count() >= 3
    logged = WorkLogEntry.objects.filter(person=commissioner, case=case, planned=False)
    assert 3 <= logged.count() <= 4
    assert logged.filter(task__status=TaskStatus.DONE).count() >= 3


def test_the_handler_sees_the_certificate_case_through_his_units_task():
    handler = User.objects.get(username="handler")
    case = Case.objects.get(title=CERTIFICATE_TITLE)
    assert case.lead_unit != handler.unit
    assert my_worklist(handler).filter(pk=case.pk).exists()


def test_changhong_has_30_odd_cases_across_all_five_categories_in_many_states():
    cases = cases_of(company("舟山长宏国际船舶修造有限公司"))
    assert cases.count() >= 30
    assert set(cases.values_list("category__parent__name", flat=True)) == TOPS
    assert {"volunteered", "company_request"} <= set(cases.values_list("channel", flat=True))
    assert set(cases.values_list("priority", flat=True)) == {1, 2, 3, 4}
    statuses = set(cases.values_list("status", flat=True))
    assert {Status.NEW, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.ON_HOLD} <= statuses
    assert {Status.RESOLVED, Status.RATED, Status.ARCHIVED, Status.REJECTED} <= statuses
    assert cases.filter(satisfaction="basic").exists()
    assert cases.filter(satisfaction="unsatisfied", status=Status.IN_PROGRESS, reopen_count=1).exists()
    assert cases.filter(extension_pending__isnull=False).exists()
    assert cases.filter(extension_days__gt=0).exists()
    assert cases.filter(return_count=1, status=Status.ACCEPTED).exists()
    assert cases.filter(supervised=True).exists()


def test_every_demo_login_authenticates_with_the_demo_password():
    usernames = [u for u, _ in DEMO_LOGINS]
    assert {"admin", "leader", "dispatcher", "commissioner", "commissioner2", "handler", "company"} <= set(
        usernames
    )
    for username in usernames:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
    assert authenticate(username="admin", password="wrong-password") is None


def test_the_timeline_verifies_and_every_status_came_from_an_event():
    assert list(verify()) == []
    for case in Case.objects.all():
        last = Event.objects.filter(case=case).exclude(to_status="").order_by("-seq").first()
        assert last is not None and last.to_status == case.status, case.number


def test_the_commissioner_has_open_work_with_a_red_or_yellow_card():
    commissioner = User.objects.get(username="commissioner")
    worklist = list(my_worklist(commissioner))
    assert len(worklist) >= 3
    cards = {sla_state(c.status, c.resolve_due, c.warn_at) for c in worklist}
    assert cards & {SlaState.RED, SlaState.YELLOW}


def test_the_commissioner_sees_his_company_but_not_changhong():
    commissioner = User.objects.get(username="commissioner")
    visible = visible_cases(commissioner)
    assert visible.filter(subject_id=company("舟山华康生物科技有限公司").pk).exists()
    assert not visible.filter(subject_id=company("舟山长宏国际船舶修造有限公司").pk).exists()
    assert (
        not my_worklist(User.objects.get(username="commissioner2"))
        .filter(subject_id=company("舟山华康生物科技有限公司").pk)
        .exists()
    )


def test_the_company_contact_sees_the_cases_it_filed():
    contact = User.objects.get(username="company")
    filed = Case.objects.filter(created_by=contact)
    assert filed.count() >= 2
    assert set(filed.values_list("channel", flat=True)) == {"company_request"}
    assert set(visible_cases(contact).values_list("subject_label", flat=True)) == {"舟山华康生物科技有限公司"}


def test_commissioners_follow_the_seed_with_one_handover_and_one_unsigned_agreement():
    assert Commissioner.objects.count() >= 8
    assert Commissioner.objects.filter(confidentiality_signed=False).count() == 1
    assert Commissioner.objects.filter(former_post="原区水利局局长").exists()
    third = Commissioner.objects.get(user__username="commissioner")
    assert third.batch.name == "第三批" and third.dispatched_on.isoformat() == "2023-01-29"
    handed = Assignment.objects.filter(ended_on__isnull=False)
    assert handed.count() == 1
    company_id = handed.get().company_id
    assert Assignment.objects.filter(company_id=company_id, ended_on__isnull=True).count() == 1


def test_no_person_carries_a_name_printed_in_the_newspaper():
    names = set(User.objects.values_list("display_name", flat=True))
    assert not names & set(SEED_PERSON_NAMES)
    assert all(names)


def test_some_cases_are_overdue_on_the_day_the_demo_runs(summary):
    assert summary["逾期（红牌）"] >= 3
    assert summary["事项"] == Case.objects.count() >= 55


def test_building_on_a_populated_database_is_refused():
    before = Case.objects.count()
    with pytest.raises(RuntimeError, match="已有数据"):
        build_world()
    assert Case.objects.count() == before


def test_the_seeds_points_have_their_problems_a_relapse_and_one_waiting_for_recheck(summary):
    from nuanqi.cases.models import CaseLink

    assert (summary["巡查点位"], summary["巡查问题"]) == (3, 5)
    problems = Case.objects.filter(kind="patrol")
    titles = " ".join(problems.values_list("title", flat=True))
    for finding in ("网络通信箱箱门缺失", "绿化带裸露", "僵尸车", "垃圾堆放"):
        assert finding in titles
    relapse = CaseLink.objects.get(type="relapse_of")
    assert relapse.to_case.status == "patrol_closed" and "卫海社区" in relapse.from_case.title
    leader = User.objects.get(username="pointleader")
    assert set(visible_cases(leader).values_list("subject_label", flat=True)) == {"卫海社区"}
    waiting = User.objects.get(username="pointleader3")
    assert my_worklist(waiting).get().status == "patrol_review"


def test_the_seed_consultation_has_its_question_answered_on_the_spot_by_the_planning_bureau():
    from nuanqi.consult.models import Session
    from nuanqi.consult.services import facts, session_items

    sport = Session.objects.get(held_on="2023-03-29")
    assert "运动定海" in sport.topic and sport.public
    items = session_items(sport, Case.objects.all())
    known = facts(items)
    plans = next(c for c in items if "体育场地设施" in c.title)
    assert plans.lead_unit.name == "舟山市自然资源和规划局定海分局"
    assert "定海湾滨海绿道" in known[plans.pk].spot_answer and plans.status == "consult_done"
    assert {known[c.pk].decision for c in items} == {"adopt", "adopt_part", "keep_reference"}
    assert list(verify()) == []


def test_the_current_consultation_has_items_on_the_staffs_and_the_units_worklists():
    staff = User.objects.get(username="consult")
    unit = User.objects.get(username="handler_zrzy")
    assert my_worklist(staff).filter(kind="consult").exists()
    assert my_worklist(unit).filter(kind="consult").exists()


def test_the_seed_bridge_was_finished_before_national_day_and_the_wenlang_tree_has_its_sections():
    from nuanqi.projects.models import Programme, Project
    from nuanqi.projects.services import programme_tree, walk

    bridge = Project.objects.get(name="白泉镇鸭东线老碶头1号桥扩建工程")
    assert bridge.start.isoformat() == "2023-02-06" and bridge.status == "done"
    assert bridge.baselines.count() == 1 and bridge.milestones.count() == 5
    root = programme_tree(Programme.objects.get(name="东海百里文廊"))
    names = [n.name for _d, n in walk(root)]
    for place in ("马岙段", "小沙段", "双桥段", "盐仓段", "岑港段", "昌国段", "白泉段", "干览段"):
        assert f"东海百里文廊{place}" in names
    assert {"南风知否", "文廊集市", "三毛文化园"} <= set(names)
    assert {n.theme for n in root.children} >= {"千年马岙", "人文锦沙"}
    # Today's lights are a mix, so the programme page means something.
    assert len({n.light for _d, n in walk(root)}) >= 3


def test_the_deputies_visit_left_suggestions_assigned_to_the_towns_one_answered():
    from nuanqi.projects.models import ResearchVisit

    visit = ResearchVisit.objects.get(visited_on="2023-03-29")
    cases = [s.case for s in visit.suggestions.select_related("case__lead_unit")]
    assert {c.lead_unit.name for c in cases} == {"马岙街道", "小沙街道"}
    assert sorted(c.status for c in cases) == ["project_answered", "project_assigned"]

"""The request workflow, driven through the one writer (services.perform)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from nuanqi.cases import services
from nuanqi.cases.errors import Conflict, Forbidden, Invalid, NotAllowedNow
from nuanqi.cases.models import Case, Event, Satisfaction, Status, TaskStatus

from .helpers import act, dispatched_to, file_case


def test_a_new_case_gets_a_number_a_priority_and_working_day_deadlines(world):
    case = file_case(world.commissioner, world.huakang, importance="重要", urgency="紧急", channel="主动请缨")
    year = timezone.localtime(case.received_at).year
    assert case.number == f"QY{year}-000001"
    assert case.priority == 1
    assert case.status == Status.NEW
    assert case.channel == "volunteered"
    assert case.resolve_due > case.received_at
    assert case.warn_at < case.resolve_due
    assert case.event_count == 1
    second = file_case(world.commissioner, world.huakang)
    assert second.number == f"QY{year}-000002"
    assert second.priority == 4


def test_the_whole_default_path_runs_from_accept_to_archive(world):
    case = file_case(world.company, world.huakang, category=world.certificate.pk)
    dispatched_to(case, world)
    case = act(case, "resolve", world.handler, result="证明已开具")
    assert case.status == Status.RESOLVED
    case = act(case, "visit", world.dispatcher)
    assert case.status == Status.VISITING
    case = act(case, "rate", world.company, satisfaction="满意", comment="很快")
    assert case.status == Status.RATED and case.satisfaction == Satisfaction.SATISFIED
    case = act(case, "archive", world.dispatcher)
    assert case.status == Status.ARCHIVED
    actions = list(Event.objects.filter(case=case).order_by("seq").values_list("action", flat=True))
    assert actions == ["create", "accept", "dispatch", "sign", "resolve", "visit", "rate", "archive"]


def test_signing_makes_the_signer_the_owner(world):
    case = dispatched_to(file_case(world.commissioner, world.huakang), world)
    assert case.owner == world.handler
    assert case.signed_at is not None


def test_an_unsatisfied_rating_sends_the_case_back_to_be_redone(world):
    case = dispatched_to(file_case(world.company, world.huakang), world)
    act(case, "resolve", world.handler, result="已答复")
    case = act(case, "rate", world.company, satisfaction="unsatisfied", comment="没有解决")
    assert case.status == Status.IN_PROGRESS
    assert case.reopen_count == 1
    assert case.resolved_at is None
    assert case.events.order_by("-seq").first().changes["reopened"] is True


def test_a_role_the_table_does_not_name_is_refused_and_nothing_changes(world):
    case = file_case(world.commissioner, world.huakang)
    with pytest.raises(Forbidden):
        services.perform(case, "accept", actor=world.commissioner, version=case.version)
    case.refresh_from_db()
    assert case.status == Status.NEW and case.version == 1 and case.event_count == 1


def test_a_transition_the_table_forbids_from_this_state_is_refused(world):
    case = file_case(world.commissioner, world.huakang)
    with pytest.raises(NotAllowedNow):
        services.perform(case, "resolve", actor=world.admin, version=case.version, result="x")


def test_a_stale_version_is_refused_before_anything_else(world):
    case = file_case(world.commissioner, world.huakang)
    act(case, "accept", world.dispatcher)
    with pytest.raises(Conflict):
        # version 1 is stale, and the action is also unknown: the version is checked first.
        services.perform(case, "no-such-action", actor=world.outsider, version=1)


def test_required_fields_are_asked_for_in_chinese(world):
    case = file_case(world.commissioner, world.huakang)
    with pytest.raises(Invalid) as exc:
        services.perform(case, "reject", actor=world.dispatcher, version=case.version)
    assert exc.value.field == "reason" and "理由" in exc.value.message


def test_a_return_moves_the_case_back_to_the_office_for_reassignment(world):
    case = file_case(world.commissioner, world.huakang)
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit="区住建局")
    case = act(case, "return", world.handler, reason="不属于本单位职责")
    assert case.status == Status.ACCEPTED and case.return_count == 1 and case.owner is None
    case = act(case, "dispatch", world.dispatcher, lead_unit=world.jingxin.pk)
    assert case.lead_unit == world.jingxin


def test_a_return_after_the_window_is_refused(world, settings):
    settings.NUANQI_RETURN_WINDOW_DAYS = 1
    case = file_case(world.commissioner, world.huakang)
    act(case, "accept", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit="区住建局")
    Case.objects.filter(pk=case.pk).update(dispatched_at=timezone.now() - timedelta(days=10))
    with pytest.raises(NotAllowedNow) as exc:
        act(case, "return", world.handler, reason="晚了")
    assert exc.value.code == "return_window_passed"


def test_an_extension_is_requested_then_approved_and_pushes_the_deadline(world):
    case = dispatched_to(file_case(world.commissioner, world.huakang), world)
    due = case.resolve_due
    case = act(case, "request_extension", world.handler, days=3, reason="需市级部门会签")
    assert case.extension_pending["days"] == 3
    with pytest.raises(NotAllowedNow):
        act(case, "request_extension", world.handler, days=1, reason="再延")
    case = act(case, "approve_extension", world.dispatcher)
    assert case.extension_pending is None and case.extension_days == 3
    assert case.resolve_due > due


def test_extensions_are_capped_at_twenty_working_days(world):
    case = dispatched_to(file_case(world.commissioner, world.huakang), world)
    with pytest.raises(Invalid) as exc:
        act(case, "request_extension", world.handler, days=21, reason="太久")
    assert exc.value.code == "extension_cap"


def test_an_extension_asked_within_the_last_working_day_is_refused(world):
    case = dispatched_to(file_case(world.commissioner, world.huakang), world)
    Case.objects.filter(pk=case.pk).update(warn_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(NotAllowedNow) as exc:
        act(case, "request_extension", world.handler, days=2, reason="来不及")
    assert exc.value.code == "extension_too_late"


def test_a_case_on_hold_resumes_with_the_working_time_it_had_left(world):
    case = dispatched_to(file_case(world.commissioner, world.huakang), world)
    review = timezone.localdate() + timedelta(days=30)
    case = act(case, "hold", world.dispatcher, reason="待省级政策出台", review_on=review.isoformat())
    assert case.status == Status.ON_HOLD and case.hold_review_on == review
    case = act(case, "resume", world.dispatcher)
    assert case.status == Status.IN_PROGRESS and case.hold_review_on is None


def test_a_case_cannot_be_resolved_while_co_handling_units_are_still_working(world):
    case = dispatched_to(file_case(world.commissioner, world.huakang), world)
    task = services.add_task(case, actor=world.handler, unit=world.outside.pk, note="市级证明")
    with pytest.raises(NotAllowedNow) as exc:
        act(case, "resolve", world.handler, result="x")
    assert exc.value.code == "tasks_open"
    services.task_action(case, task.pk, "done", actor=world.commissioner, note="已取回")
    assert act(case, "resolve", world.handler, result="全部开具").status == Status.RESOLVED


def test_co_handling_tasks_are_signed_and_done_by_their_unit_or_the_commissioner(world):
    case = file_case(world.commissioner, world.huakang)
    act(case, "accept", world.dispatcher)
    t1 = services.add_task(case, actor=world.dispatcher, unit="区经信局")
    t2 = services.add_task(case, actor=world.dispatcher, unit=world.outside.pk)
    with pytest.raises(Forbidden):
        services.task_action(case, t1.pk, "sign", actor=world.handler)  # 住建 is not 经信
    assert services.task_action(case, t1.pk, "sign", actor=world.handler2).status == TaskStatus.SIGNED
    assert services.task_action(case, t2.pk, "done", actor=world.commissioner).status == TaskStatus.DONE
    with pytest.raises(Invalid):
        services.task_action(case, t1.pk, "return", actor=world.handler2, note="")
    with pytest.raises(Invalid):
        services.add_task(case, actor=world.dispatcher, unit="区经信局")
    with pytest.raises(Forbidden):
        services.add_task(case, actor=world.commissioner2, unit="区住建局")


def test_supervise_and_remind_leave_the_status_and_are_recorded(world):
    case = dispatched_to(file_case(world.commissioner, world.huakang), world)
    case = act(case, "supervise", world.leader, reason="请加快")
    case = act(case, "remind", world.commissioner)
    assert case.status == Status.IN_PROGRESS and case.supervised and case.remind_count == 1


def test_a_company_can_only_file_about_a_company_it_may_see(world):
    from nuanqi.cases.access import resolve_subject

    with pytest.raises(Invalid):
        resolve_subject("company", world.company, world.changhong.pk)
    with pytest.raises(Forbidden):
        file_case(world.outsider, world.huakang)


def test_choice_fields_accept_chinese_labels_and_refuse_unknown_ones(world):
    case = file_case(world.dispatcher, world.huakang, nature="投诉", category="政府审批/合规证明")
    assert case.nature == "complaint" and case.category == world.certificate
    with pytest.raises(Invalid) as exc:
        file_case(world.dispatcher, world.huakang, nature="抱怨")
    assert "可选" in exc.value.message
    assert Case.objects.count() == 1

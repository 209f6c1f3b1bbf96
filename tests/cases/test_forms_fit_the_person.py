"""Forms fitted to the person and the step: a company contact files a 企业求助 the office triages (分级定级);
the office dispatches with a placeholder, a 责任人 and co-handling units in one step; 重办 is marked and
counted, with the superseded result and rating folded into history; the case page links to its 跑腿 page."""

from __future__ import annotations

import pytest

from nuanqi.cases.errors import Forbidden, NotAllowedNow
from nuanqi.cases.models import Case, Event, SlaPolicy, Task
from nuanqi.cases.timeline import verify
from tests.cases.helpers import act, dispatched_to, file_case

pytestmark = pytest.mark.django_db


def test_the_company_contacts_form_fixes_her_company_and_offers_no_triage(world):
    body = world.client(world.company).get("/cases/new/").content.decode()
    assert world.huakang.name in body
    for name in ("company", "channel", "lead_unit", "importance", "urgency"):
        assert f'<select name="{name}"' not in body
    assert f'type="hidden" name="company" value="{world.huakang.pk}"' in body


def test_her_request_is_a_company_request_at_the_lowest_priority_whatever_she_posts(world):
    response = world.client(world.company).post(
        "/cases/new/",
        {
            "company": world.huakang.pk,
            "title": "申请人才公寓",
            "nature": "help",
            "channel": "leader",
            "importance": "major",
            "urgency": "urgent",
            "lead_unit": world.zhujian.pk,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(title="申请人才公寓")
    assert (case.channel, case.priority, case.lead_unit_id) == ("company_request", 4, None)
    # The unit she would have chosen does not see it.
    assert world.client(world.handler).get(f"/cases/{case.number}/").status_code == 404


def test_the_service_refuses_a_priority_from_a_company_contact(world):
    with pytest.raises(Forbidden) as caught:
        file_case(world.company, world.huakang, importance="major", urgency="urgent")
    assert caught.value.code == "triage_not_allowed"


def test_the_office_triages_priority_channel_and_lead_unit_with_an_event(world):
    SlaPolicy.objects.create(kind="request", priority=1, resolve_days=2)
    case = file_case(world.company, world.huakang)
    due = case.resolve_due
    case = act(
        case,
        "triage",
        world.dispatcher,
        importance="major",
        urgency="urgent",
        channel="phone",
        reason="停产风险",
    )
    assert (case.priority, case.channel, case.status) == (1, "phone", "new")
    event = Event.objects.filter(case=case).order_by("-seq").first()
    assert event is not None and event.action == "triage"
    assert event.changes["priority"] == [4, 1] and event.changes["channel"] == ["company_request", "phone"]
    assert case.resolve_due is not None and due is not None and case.resolve_due < due
    case = act(
        case, "triage", world.dispatcher, importance="major", urgency="urgent", lead_unit=world.zhujian.pk
    )
    assert case.lead_unit_id == world.zhujian.pk
    assert list(verify()) == []


def test_only_the_office_triages_and_only_before_dispatch(world):
    case = file_case(world.company, world.huakang)
    with pytest.raises(Forbidden):
        act(case, "triage", world.company, importance="major", urgency="urgent")
    dispatched_to(case, world)
    with pytest.raises(NotAllowedNow):
        act(case, "triage", world.dispatcher, importance="major", urgency="urgent")


def test_the_dispatch_step_has_a_placeholder_a_responsible_person_and_co_handling_units(world):
    case = act(file_case(world.company, world.huakang), "accept", world.dispatcher)
    body = world.client(world.dispatcher).get(f"/cases/{case.number}/").content.decode()
    assert "——请选择主办单位——" in body
    lead = body.split('<select name="lead_unit" required>')[1].split("</select>")[0]
    assert lead.startswith('<option value="">')  # no default: the dispatcher chooses
    assert f'<option value="{world.office.pk}"' not in lead  # the office does not lead its own dispatch
    assert '<select name="owner"' in body and world.handler.display_name in body
    assert '<select name="cohandlers" multiple' in body
    response = world.client(world.dispatcher).post(
        f"/cases/{case.number}/act/",
        {
            "action": "dispatch",
            "version": case.version,
            "lead_unit": world.zhujian.pk,
            "owner": world.handler.pk,
            "cohandlers": [world.jingxin.pk, world.outside.pk, world.zhujian.pk],
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.lead_unit_id, case.owner_id) == (
        "dispatched",
        world.zhujian.pk,
        world.handler.pk,
    )
    units = set(Task.objects.filter(case=case).values_list("unit_id", flat=True))
    assert units == {world.jingxin.pk, world.outside.pk}
    assert list(Event.objects.filter(case=case).values_list("action", flat=True).order_by("seq"))[-3:] == [
        "dispatch",
        "task_add",
        "task_add",
    ]


def test_a_failed_dispatch_adds_no_co_handling_unit(world):
    case = act(file_case(world.company, world.huakang), "accept", world.dispatcher)
    world.client(world.dispatcher).post(
        f"/cases/{case.number}/act/",
        {"action": "dispatch", "version": case.version, "lead_unit": "", "cohandlers": [world.jingxin.pk]},
    )
    case.refresh_from_db()
    assert case.status == "accepted" and not Task.objects.filter(case=case).exists()


def test_a_redone_case_is_marked_counted_and_folds_the_old_result_into_history(world):
    case = dispatched_to(file_case(world.company, world.huakang), world)
    act(case, "resolve", world.handler, result="已协调住建局出具证明")
    act(case, "rate", world.company, satisfaction="unsatisfied", comment="证明抬头有误")
    body = world.client(world.company).get(f"/cases/{case.number}/").content.decode()
    assert "重办 1 次" in body
    history = body.split('id="history"')[1].split("</section>")[0]
    assert "已协调住建局出具证明" in history and "证明抬头有误" in history
    facts = body.split('class="facts"')[1].split("</dl>")[0]
    assert "已协调住建局出具证明" not in facts and "不满意" not in facts
    act(case, "resolve", world.handler, result="已重新出具证明")
    body = world.client(world.company).get(f"/cases/{case.number}/").content.decode()
    facts = body.split('class="facts"')[1].split("</dl>")[0]
    assert "已重新出具证明" in facts


def test_the_case_page_links_to_its_errands_for_the_administration_only(world):
    case = dispatched_to(file_case(world.company, world.huakang), world)
    act(case, "note", world.handler, reason="需市监局出具")
    from nuanqi.cases.services import add_task

    add_task(case, actor=world.dispatcher, unit=world.outside.pk)
    link = f'href="/errands/{case.number}/"'
    assert link in world.client(world.commissioner).get(f"/cases/{case.number}/").content.decode()
    assert link not in world.client(world.company).get(f"/cases/{case.number}/").content.decode()


def test_an_internal_filer_may_propose_a_unit_but_not_the_office_or_an_inspection_group(world):
    from nuanqi.accounts.models import Unit, UnitKind

    group = Unit.objects.create(name="区委第一巡察组", kind=UnitKind.INSPECTION_GROUP)
    body = world.client(world.commissioner).get("/cases/new/").content.decode()
    lead = body.split('name="lead_unit"')[1].split("</select>")[0]
    assert f'value="{world.zhujian.pk}"' in lead
    assert f'value="{world.office.pk}"' not in lead and f'value="{group.pk}"' not in lead

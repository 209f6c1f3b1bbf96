"""The office edits a programme in real Chromium (desktop and phone): a site added under a section from the
programme page, a milestone planned, the plan re-approved with the old baseline kept, the audit trail shown;
and a consultation item spawned into a project issue, both cases showing the link."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from nuanqi.accounts.models import Role, Unit, UnitKind
from nuanqi.cases.models import CaseLink
from nuanqi.consult.services import NewSession, create_session, raise_item
from nuanqi.projects.models import Programme, Project, ProjectChange, ProjectKind

from ..conftest import PASSWORD, _person
from . import axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(browser, live_server, username, viewport):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def test_the_office_adds_a_site_plans_a_milestone_and_replans_with_the_audit_trail(
    world, live_server, browser, shots
):
    today = timezone.localdate()
    programme = Programme.objects.create(name="东海百里文廊")
    section = Project.objects.create(
        name="东海百里文廊马岙段", kind=ProjectKind.SECTION, programme=programme, theme="千年马岙",
        owner_unit=world.town,
    )  # fmt: skip
    context, page = _login(browser, live_server, "dispatcher", {"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/programmes/{programme.pk}/")
    axe_js = axe.source()
    page.get_by_role("link", name="新增分段或点位").click()
    assert axe.audit(page, axe_js) == []
    page.get_by_label("项目名称").fill("文廊集市")
    page.get_by_label("类型").select_option("site")
    page.get_by_label("上级").select_option(str(section.pk))
    page.get_by_label("责任单位").select_option(str(world.zhujian.pk))
    page.get_by_label("计划投资（万元）").fill("1000")
    page.get_by_label("计划开工").fill((today - timedelta(days=30)).isoformat())
    page.get_by_label("计划完工").fill((today + timedelta(days=150)).isoformat())
    page.get_by_role("button", name="保存").click()
    site = Project.objects.get(name="文廊集市")
    page.wait_for_url(re.compile(rf".*/projects/{site.pk}/$"))
    assert site.programme == programme and site.parent == section and site.baselines.count() == 1

    page.get_by_role("link", name="编辑节点计划").click()
    assert axe.audit(page, axe_js) == []
    page.locator("#milestone-new").get_by_label("节点").fill("集市开街")
    page.locator("#milestone-new").get_by_label("计划日期").fill((today + timedelta(days=90)).isoformat())
    page.locator("#milestone-new").get_by_role("button", name="添加").click()
    page.wait_for_url(re.compile(rf".*/projects/{site.pk}/milestones/$"))
    assert site.milestones.get().name == "集市开街"

    assert axe.audit(page, axe_js) == []  # the milestone just added, editable in place
    page.goto(f"{live_server.url}/projects/{site.pk}/replan/")
    assert axe.audit(page, axe_js) == []
    page.get_by_label("新的计划完工").fill((today + timedelta(days=200)).isoformat())
    page.get_by_label("调整说明").fill("摊位招商顺延")
    page.get_by_role("button", name="确认调整").click()
    page.wait_for_url(re.compile(rf".*/projects/{site.pk}/$"))
    changes = page.locator("#changes").inner_text()
    assert (
        "新建项目" in changes
        and "新增节点" in changes
        and "调整计划" in changes
        and "摊位招商顺延" in changes
    )
    assert site.baselines.count() == 2
    page.screenshot(path=str(shots / "project-edited-1366.png"), full_page=True)
    assert axe.audit(page, axe_js) == []
    page.goto(f"{live_server.url}/projects/{site.pk}/edit/")
    page.get_by_label("计划投资（万元）").fill("1e20")
    page.get_by_role("button", name="保存").click()
    assert page.locator("#error-summary").is_visible()
    assert axe.audit(page, axe_js) == []  # the errors linked to their fields
    page.goto(f"{live_server.url}/programmes/{programme.pk}/edit/")
    assert axe.audit(page, axe_js) == []
    context.close()
    assert list(
        ProjectChange.objects.filter(project=site).values_list("action", flat=True).order_by("id")
    ) == [
        "create",
        "milestone_add",
        "replan",
    ]
    assert Decimal(Project.objects.get(pk=site.pk).investment_planned) == Decimal(1000)


def test_a_consultation_item_is_spawned_into_a_project_issue_on_a_phone(world, live_server, browser, shots):
    cppcc = Unit.objects.create(name="政协舟山市定海区委员会", short_name="区政协", kind=UnitKind.OTHER)
    staff = _person("consultstaff", "政协工作人员壬", Role.CONSULT_STAFF, unit=cppcc)
    session = create_session(
        NewSession(topic="深化“运动定海”建设", held_on=date(2023, 3, 29), organiser="区政协"), actor=staff
    )
    item = raise_item(session, title="滨海绿道沿线缺少健身设施", lead_unit=world.zhujian, actor=staff)
    park = Project.objects.create(
        name="海滨公园体育设施改造", kind=ProjectKind.LIVELIHOOD, owner_unit=world.zhujian
    )
    context, page = _login(browser, live_server, "dispatcher", {"width": 390, "height": 844})
    page.goto(f"{live_server.url}/cases/{item.number}/")
    page.get_by_role("link", name="派生为项目问题").click()
    page.get_by_label("项目").select_option(str(park.pk))
    assert axe.audit(page, axe.source()) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / "case-spawn-390.png"), full_page=True)
    page.get_by_role("button", name="派生").click()
    spawned = CaseLink.objects.get(to_case=item).from_case
    page.wait_for_url(re.compile(rf".*/cases/{spawned.number}/$"))
    assert item.number in page.locator("#links").inner_text()
    assert spawned.kind == "project" and spawned.subject_id == park.pk
    page.goto(f"{live_server.url}/cases/{item.number}/")
    assert spawned.number in page.locator("#links").inner_text()
    context.close()

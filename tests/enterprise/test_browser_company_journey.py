"""One company from dispatch to outcome, in the demo world and real Chromium: the programme page shows who
serves 华康; its page shows the commissioner, the 5-category list with both channels, a project with
milestones, matched policies with reasons, an inspection warning and before/after figures; the company
files a request itself and follows it; the commissioner plans the certificate errands into his work log
and opens the confidential records; 长宏's page reproduces the seed's +130% and 3 → 0."""

from __future__ import annotations

import re

import pytest

from nuanqi.cases.models import Case
from nuanqi.demo.seed_data import CERTIFICATE_TITLE
from nuanqi.demo.world import DEMO_PASSWORD
from nuanqi.enterprise.models import Company, WorkLogEntry
from tests.demo_snapshot import demo_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(b, live_server, username):
    page = b.new_page(viewport={"width": 412, "height": 915}, device_scale_factor=1, locale="zh-CN")
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_a_newcomer_follows_huakang_from_dispatch_to_outcome(live_server, browser, shots):
    demo_world()
    browser.run(lambda b: journey(b, live_server, shots))


def journey(browser, live_server, shots):
    huakang = Company.objects.get(name="舟山华康生物科技有限公司")
    changhong = Company.objects.get(name="舟山长宏国际船舶修造有限公司")

    # Dispatch: the programme page, batch by batch.
    page = login(browser, live_server, "leader")
    page.click("header nav a[href='/programme/']")
    page.wait_for_url(re.compile(r".*/programme/$"))
    batch3 = page.locator("section.batch", has_text="第三批")
    assert "周慧琴" in batch3.inner_text() and huakang.name in batch3.inner_text()
    page.screenshot(path=str(shots / "journey_1_programme.png"), full_page=True)

    # The company's page: commissioner, list, project, policies, inspections, outcomes.
    batch3.locator(f"a[href='/companies/{huakang.pk}/']").first.click()
    page.wait_for_url(re.compile(rf".*/companies/{huakang.pk}/$"))
    assert "周慧琴" in page.locator("#commissioner").inner_text()
    groups = page.locator("#worklist details.group h3")
    assert [g.split(" ")[0] for g in groups.all_inner_texts()] == [
        "要素保障",
        "政府审批",
        "安全环保",
        "政策兑现",
        "经营发展",
    ]
    channels = page.locator("#worklist .channels").inner_text()
    assert re.search(r"企业求助\s*\d+", channels) and re.search(r"主动请缨\s*\d+", channels)
    first = page.locator("#worklist .group").nth(1).locator("li.row .prio").first.inner_text()
    assert first in ("P1", "P2")
    assert "生物医药生产车间建设项目" in page.locator("#projects").inner_text()
    assert page.locator("#projects .ahead").count() >= 2
    assert "符合：规上工业企业" in page.locator("#policies").inner_text()
    assert "符合：医药制造业" in page.locator("#policies").inner_text()
    assert "无事不扰提醒" in page.locator("#inspections").inner_text()
    assert "建议综合查一次" in page.locator("#inspections").inner_text()
    assert "派驻前" in page.locator("#outcomes").inner_text()
    assert page.locator("#outcomes tr.m-output .change").inner_text().startswith("增长")
    page.screenshot(path=str(shots / "journey_2_company.png"), full_page=True)

    # The seed's figures on 长宏's page.
    page.goto(f"{live_server.url}/companies/{changhong.pk}/#outcomes")
    assert page.locator("#outcomes tr.m-output .change").inner_text() == "增长130%"
    assert page.locator("#outcomes tr.m-accidents .change").inner_text() == "由3起降为0起"
    page.locator("#outcomes").screenshot(path=str(shots / "journey_3_changhong_outcomes.png"))
    page.close()

    # The company files a request through its own login and follows it.
    page = login(browser, live_server, "company")
    page.goto(f"{live_server.url}/cases/new/")
    # Her own (only) company is fixed on the form, and nothing of the office's triage is offered.
    assert huakang.name in page.locator(".fixed-field").inner_text()
    assert page.locator("select[name=company], select[name=channel], select[name=lead_unit]").count() == 0
    page.fill("input[name=title]", "申请人才公寓10套")
    page.fill("textarea[name=description]", "项目投产前新招技术人员需要住宿。")
    page.select_option("select[name=category]", label="用工")
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/cases/QY\d{4}-\d{6}/$"))
    case = Case.objects.get(title="申请人才公寓10套")
    assert case.channel == "company_request"
    page.goto(f"{live_server.url}/companies/{huakang.pk}/")
    assert "申请人才公寓10套" in page.locator("#worklist").inner_text()
    page.screenshot(path=str(shots / "journey_4_company_request.png"), full_page=True)
    page.close()

    # The commissioner: the certificate's errands into tomorrow's work log, then the confidential records.
    page = login(browser, live_server, "commissioner")
    cert = Case.objects.get(title=CERTIFICATE_TITLE)
    page.goto(f"{live_server.url}/companies/{huakang.pk}/")
    page.click(f"a[href='/errands/{cert.number}/']")
    page.wait_for_url(re.compile(rf".*/errands/{cert.number}/$"))
    assert "区外" in page.inner_text("main")
    page.screenshot(path=str(shots / "journey_5_errands.png"), full_page=True)
    before = WorkLogEntry.objects.filter(planned=True).count()
    page.locator("input[name=task]").last.check()
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/worklog/$"))
    assert "已将" in page.locator(".msg.success").inner_text()
    # The demo's commissioner had already planned these units: planning them again is warned of.
    assert "此前已排入工作笔记" in page.locator(".msg.warning").inner_text()
    assert WorkLogEntry.objects.filter(planned=True).count() > before
    page.screenshot(path=str(shots / "journey_6_worklog.png"), full_page=True)
    page.goto(f"{live_server.url}/companies/{huakang.pk}/")
    page.click("a[href$='/confidential/']")
    assert "B轮融资" in page.inner_text("main")
    page.close()

    # A commissioner without a signed agreement is refused the same page.
    page = login(browser, live_server, "commissioner_new")
    response = page.goto(f"{live_server.url}/companies/{huakang.pk}/confidential/")
    assert response is not None and response.status == 404
    page.close()

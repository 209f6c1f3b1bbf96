"""The new-case form's routing assist in a real browser: suggestions arrive as the dispatcher types, pre-fill
分类 and 主办单位, and never overwrite what the dispatcher chose."""

from __future__ import annotations

import pytest

from nuanqi.accounts.models import Unit
from nuanqi.cases.models import Category
from nuanqi.demo.world import DEMO_PASSWORD
from tests.demo_snapshot import demo_world

pytestmark = [pytest.mark.browser, pytest.mark.single_database, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.HOME = tmp_path  # the model file the demo trains
    demo_world()


def test_the_form_suggests_as_the_dispatcher_types_and_keeps_the_dispatchers_choice(
    demo, live_server, browser
):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "dispatcher")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/cases/new/")
    power = Unit.objects.get(short_name="区供电公司")
    electricity = Category.objects.get(name="用电", parent__isnull=False)
    page.locator("#id_title").press_sequentially("厂区频繁停电，变压器老化需要增容", delay=20)
    page.wait_for_selector("#routing-assist:not([hidden]) #routing-units li")
    assert page.locator("#id_lead_unit").input_value() == str(power.pk)
    assert page.locator("#id_category").input_value() == str(electricity.pk)
    assert "国网舟山供电公司定海分公司" in page.locator("#routing-units").inner_text()
    # The dispatcher decides: a unit chosen by hand stays chosen while the suggestions keep coming.
    other = Unit.objects.get(short_name="区经信局")
    page.select_option("#id_lead_unit", str(other.pk))
    page.locator("#id_description").press_sequentially("另外电费也偏高", delay=20)
    page.wait_for_timeout(1200)
    assert page.locator("#id_lead_unit").input_value() == str(other.pk)

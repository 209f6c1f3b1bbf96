"""The KPI page and the weekly briefing as the office and the leader use them, at desktop (1366 px) and phone
(390 px) widths, with screenshots: every column of the KPI table visible, the Excel export, the briefing's
week picker, and no horizontal overflow on a phone."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from nuanqi.demo.world import DEMO_PASSWORD
from tests.demo_snapshot import demo_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    demo_world()


def _login(browser, live_server, username: str, width: int, height: int = 900):
    page = browser.new_page(
        viewport={"width": width, "height": height}, device_scale_factor=1, locale="zh-CN"
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    return page


def _overflow(page) -> int:
    """How far the page is wider than its viewport (0: nothing sticks out)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def test_the_kpi_page_shows_every_column_at_1366_and_exports_to_excel(demo, live_server, browser, shots):
    page = _login(browser, live_server, "leader", 1366)
    page.goto(f"{live_server.url}/dashboard/kpis/")
    table = page.locator("#kpi-table")
    last = table.locator("thead th").last
    assert last.inner_text() == "申诉成立"
    # The table fits its region: its last column is inside the visible part of the page, not cut off.
    box, region = last.bounding_box(), page.locator(".scroll-x").bounding_box()
    assert box and region and box["x"] + box["width"] <= region["x"] + region["width"] + 1
    assert page.evaluate("(e => e.scrollWidth <= e.clientWidth)(document.querySelector('.scroll-x'))")
    assert _overflow(page) == 0
    assert "docs/" not in page.locator("main").inner_text()
    page.screenshot(path=str(shots / "kpis_desktop.png"), full_page=True)
    with page.expect_download() as download:
        page.click("a:has-text('导出 Excel')")
    wb = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    ws = wb["考核指标"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["主办单位", "受理量", "办结量"] and header[-1] == "申诉成立"
    assert ws.cell(row=2, column=1).value == "合计" and ws.max_row >= 3
    assert ws.auto_filter.ref
    notes = dict(wb["说明"].iter_rows(values_only=True))
    assert "统计期间" in notes and notes["分组"] == "主办单位"
    page.close()


def test_the_kpi_page_on_a_phone_scrolls_its_table_inside_and_not_the_page(demo, live_server, browser, shots):
    page = _login(browser, live_server, "leader", 390, 844)
    page.goto(f"{live_server.url}/dashboard/kpis/")
    assert _overflow(page) == 0
    page.screenshot(path=str(shots / "kpis_phone.png"), full_page=True)
    page.close()


def test_the_briefing_week_picker_chooses_another_week(demo, live_server, browser, shots):
    page = _login(browser, live_server, "leader", 1366)
    page.goto(f"{live_server.url}/briefing/")
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    last_week = monday - timedelta(days=7)
    assert page.locator("#week-day").input_value() == last_week.isoformat()
    page.screenshot(path=str(shots / "briefing_week_desktop.png"), full_page=False)
    chosen = monday - timedelta(days=17)  # a Thursday or so, three weeks back
    page.fill("#week-day", chosen.isoformat())
    page.click("#week-picker button")
    start = chosen - timedelta(days=chosen.weekday())
    page.wait_for_url(f"**/briefing/?week={chosen.isoformat()}")
    meta = page.locator(".meta").inner_text()
    assert f"{start.year}年{start.month}月{start.day}日" in meta
    page.click("#week-picker a[rel=prev]")
    previous = start - timedelta(days=7)
    assert f"{previous.month}月{previous.day}日" in page.locator(".meta").inner_text()
    page.close()


def test_the_briefing_fits_a_390_px_phone(demo, live_server, browser, shots):
    page = _login(browser, live_server, "leader", 390, 844)
    page.goto(f"{live_server.url}/briefing/")
    assert page.locator("#week-picker").is_visible()
    assert _overflow(page) == 0, "the briefing is wider than the phone"
    page.screenshot(path=str(shots / "briefing_phone.png"), full_page=True)
    page.close()

"""The dashboards in real Chromium for the leader, the office, a unit and a commissioner (screenshots), and
the weekly briefing printed to PDF by Chromium and opened by LibreOffice where it is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from nuanqi.demo.world import DEMO_PASSWORD
from tests.demo_snapshot import demo_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _login(browser, live_server, username: str, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1, locale="zh-CN")
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    return page


def _demo_persona(role: str) -> str:
    from nuanqi.demo.world import DEMO_LOGINS

    return next(u for u, r in DEMO_LOGINS if role in r)


@pytest.fixture
def demo(db):
    demo_world()


def _tiles(page) -> list[tuple[str, int]]:
    return [
        (t.get_attribute("href") or "", int(t.locator(".n").inner_text()))
        for t in page.locator("#tiles a.tile").all()
    ]


def test_the_leader_sees_the_overview_with_charts_and_follows_a_number_to_its_list(
    demo, live_server, browser, shots
):
    page = _login(browser, live_server, "leader")
    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("h1").inner_text() == "领导看板"
    assert page.locator("#trend svg polyline").count() >= 1
    assert page.locator("#overdue-by-unit svg rect").count() >= 1
    # CJK text is text in the SVG, not paths: it can be read (and found, and copied).
    assert page.locator("#top-categories svg text").count() > 1
    assert page.locator("#top-categories figcaption").inner_text() == "本月诉求大类"
    page.screenshot(path=str(shots / "dashboard_leader.png"), full_page=True)
    href, n = next((h, n) for h, n in _tiles(page) if "sla=red" in h)
    assert n >= 1
    page.click(f"#tiles a[href='{href}']")
    page.wait_for_url(re.compile(r".*/cases/\?sla=red$"))
    assert page.locator("li.row").count() == n
    assert page.locator("li.row .card-red").count() == n
    page.close()


def test_the_office_triage_board(demo, live_server, browser, shots):
    page = _login(browser, live_server, "dispatcher")
    page.goto(f"{live_server.url}/dashboard/office/")
    assert page.locator("h1").inner_text() == "受理派单台"
    counts = dict((h, n) for h, n in _tiles(page))
    assert sum(counts.values()) >= 1
    page.screenshot(path=str(shots / "dashboard_office.png"), full_page=True)
    page.close()


def test_a_units_inbox(demo, live_server, browser, shots):
    page = _login(browser, live_server, "handler", width=412)
    page.goto(f"{live_server.url}/dashboard/unit/")
    assert "单位看板" in page.locator("h1").inner_text()
    assert page.locator("#inbox li.row").count() >= 1
    page.screenshot(path=str(shots / "dashboard_unit.png"), full_page=True)
    page.close()


def test_a_commissioners_week(demo, live_server, browser, shots):
    page = _login(browser, live_server, "commissioner", width=412)
    page.goto(f"{live_server.url}/dashboard/week/")
    assert page.locator("h1").inner_text().startswith("本周工作")
    assert page.locator("#week-cases li.row").count() >= 1
    page.screenshot(path=str(shots / "dashboard_commissioner.png"), full_page=True)
    page.close()


def test_the_weekly_briefing_prints_to_a_two_page_a4_pdf_and_its_xlsx_opens_in_libreoffice(
    demo, live_server, browser, shots, tmp_path
):
    today = timezone.localdate()
    start, end = today - timedelta(days=6), today
    page = _login(browser, live_server, "leader")
    page.goto(f"{live_server.url}/briefing/?from={start}&to={end}")
    assert page.locator("h1").inner_text() == "暖企工程工作简报"
    page.screenshot(path=str(shots / "briefing.png"), full_page=True)
    pdf = tmp_path / "briefing.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    shutil.copy(pdf, shots / "briefing.pdf")
    # The same page printed by the chromium program itself (--print-to-pdf), as an office would.
    html = tmp_path / "briefing.html"
    html.write_text(page.content(), encoding="utf-8")
    cli_pdf = tmp_path / "briefing-cli.pdf"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium is not None
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={cli_pdf}", html.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert len(re.findall(rb"/Type\s*/Page[^s]", cli_pdf.read_bytes())) == 2
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    # Page 1: highlights, KPIs by unit, 红黑榜; page 2 (forced break): the overdue items.
    assert pages == 2
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"Pages:\s+2", info)
        assert "(A4)" in info
    page.emulate_media(media="screen")  # the toolbar is hidden in print
    with page.expect_download() as dl:
        page.click("a[href*='briefing.xlsx']")
    xlsx = tmp_path / "briefing.xlsx"
    dl.value.save_as(str(xlsx))
    page.close()
    if SOFFICE is None:
        pytest.skip(
            "未安装 LibreOffice（soffice），跳过用 LibreOffice 打开简报 xlsx 的检查"
            " / LibreOffice not installed: the xlsx check is skipped"
        )
    out = tmp_path / "lo"
    profile = f"-env:UserInstallation=file://{tmp_path}/lo-profile"
    utf8_csv = "csv:Text - txt - csv (StarCalc):44,34,76"
    subprocess.run(
        [SOFFICE, "--headless", profile, "--convert-to", utf8_csv, "--outdir", str(out), str(xlsx)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    csv = next(out.glob("*.csv")).read_text(encoding="utf-8")  # filter option 76: UTF-8
    assert "暖企工程工作简报" in csv  # LibreOffice read the first sheet (概要)

"""What a keyboard user and a screen-reader user meet: the failed new-case form, the bell, the status filter,
the dashboard's charts (read through the browser's accessibility tree, as assistive technology reads them)."""

from __future__ import annotations

import re

import pytest

from nuanqi.demo.world import DEMO_PASSWORD
from tests.demo_snapshot import demo_world

pytestmark = [pytest.mark.browser, pytest.mark.single_database, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    demo_world()


def _login(browser, live_server, username: str, width: int = 390):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 844}, device_scale_factor=1, locale="zh-CN")
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_a_keyboard_user_submits_the_new_case_form_with_errors_and_each_error_leads_to_its_field(
    demo, live_server, browser, shots
):
    page = _login(browser, live_server, "commissioner")
    page.goto(f"{live_server.url}/cases/new/")
    # The first stop is the skip link, and it lands in the page's main region.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.screenshot(path=str(shots / "focus_skip_link_390.png"))
    # Focus is drawn in the house colours: yellow on the red header, brand red on the page.
    page.keyboard.press("Tab")
    ring = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; })()"
    )
    assert ring == ["solid", "3px", "rgb(255, 213, 79)"], ring
    page.screenshot(path=str(shots / "focus_header_390.png"))
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Required fields are marked for eyes (an asterisk) and for assistive technology (required).
    assert page.locator("#id_title").get_attribute("required") is not None
    assert page.locator("label[for=id_title] .req").count() == 1
    # Submit from the keyboard with the title and company left empty.
    page.locator("#id_description").focus()
    page.keyboard.type("只写了内容，没有标题")
    page.locator("button.primary").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.title().startswith("错误：")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    summary = page.locator("#error-summary")
    links = summary.locator("a")
    assert links.count() == 2
    page.screenshot(path=str(shots / "new_case_errors_390.png"), full_page=True)
    for i in range(links.count()):
        link = links.nth(i)
        target = (link.get_attribute("href") or "").lstrip("#")
        field = page.locator(f"#{target}")
        assert field.get_attribute("aria-invalid") == "true"
        described = (field.get_attribute("aria-describedby") or "").split()
        assert described, f"{target} has no description"
        for ref in described:  # every id it points at exists, and the error says what is wrong
            assert page.locator(f"#{ref}").count() == 1, f"{target} points at missing #{ref}"
        assert page.locator(f"#{target}_error").inner_text()
        link.focus()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == target


def test_the_bell_names_the_unread_count_and_the_status_filter_is_named(demo, live_server, browser):
    page = _login(browser, live_server, "commissioner")
    unread = page.locator("#bell-count").inner_text()
    assert int(unread) >= 1
    bell = page.get_by_role("link", name=re.compile(r"^通知"))
    assert bell.count() == 1
    assert f"{unread} 条未读" in (bell.get_attribute("aria-label") or "")
    assert f'link "通知，{unread} 条未读"' in page.locator("header.top").aria_snapshot()

    page.goto(f"{live_server.url}/cases/")
    status = page.get_by_role("combobox", name="状态")
    assert status.count() == 1
    assert "全部状态" in page.locator("form.filters").aria_snapshot()


def test_the_dashboard_charts_are_figures_with_a_named_picture_and_a_data_table(
    demo, live_server, browser, shots
):
    page = _login(browser, live_server, "leader")
    page.goto(f"{live_server.url}/dashboard/")
    figures = page.get_by_role("figure")
    assert figures.count() == 3
    for i in range(3):
        figure = figures.nth(i)
        caption = figure.locator("figcaption").inner_text()
        # The picture is one image with a name; nothing inside it can be focused or followed.
        picture = figure.get_by_role("img")
        assert picture.count() == 1
        assert (picture.get_attribute("aria-label") or "").startswith(caption)
        assert figure.locator("svg a, svg [tabindex]").count() == 0
        # The numbers are a table, opened on demand, its links outside the picture.
        figure.locator("summary").click()
        table = figure.get_by_role("table")
        assert table.count() == 1
        assert table.get_by_role("row").count() >= 2
        snapshot = figure.aria_snapshot()
        assert f'img "{caption}' in snapshot and "table" in snapshot
        # At phone width no chart text renders below 12 px.
        smallest = page.evaluate(
            """(fig) => Math.min(...[...fig.querySelectorAll('svg text')].map(t => {
                   const box = t.ownerSVGElement.getBoundingClientRect();
                   const scale = box.width / t.ownerSVGElement.viewBox.baseVal.width;
                   return parseFloat(getComputedStyle(t).fontSize) * scale; }))""",
            figure.element_handle(),
        )
        assert smallest >= 12, f"{caption}: text at {smallest:.1f} px"
    # The trend's count axis ticks at whole numbers.
    ticks = page.locator("#trend svg text[text-anchor=end]").all_text_contents()
    assert ticks and all(re.fullmatch(r"\d+", t) for t in ticks), ticks
    page.screenshot(path=str(shots / "dashboard_390.png"), full_page=True)

"""A resident files a report without an account in real Chromium, keeps the receipt, and comes back in a fresh
browser (no cookies) to follow the case and write again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nuanqi.cases import kinds
from nuanqi.cases.models import PublicMessage

from ..toykinds import PUBLIC_TOY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def toy_public() -> Iterator[kinds.KindSpec]:
    kinds.register_kind(PUBLIC_TOY)
    yield PUBLIC_TOY
    kinds.unregister_kind(PUBLIC_TOY.code)


def test_a_resident_files_a_report_and_follows_it_with_the_receipt(toy_public, live_server, browser, shots):
    first = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = first.new_page()
    page.goto(f"{live_server.url}/public/toy-reports/")
    page.get_by_role("button", name="提交").click()  # nothing filled in: the errors come first
    assert page.title().startswith("错误：")
    assert page.locator("#error-summary").evaluate("e => e === document.activeElement")
    page.get_by_label("问题概述").fill("万泰·三农汇市场门口垃圾堆放")
    page.get_by_label("详细情况").fill("市场东门外，已堆放两天")
    page.get_by_label("联系电话").fill("13905800000")
    page.get_by_role("button", name="提交").click()
    receipt = page.locator(".receipt-code strong").inner_text()
    assert len(receipt.replace(" ", "")) == 16
    assert receipt.replace(" ", "") not in page.url
    page.screenshot(path=str(shots / "public-receipt-390.png"), full_page=True)
    first.close()

    fresh = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = fresh.new_page()
    page.goto(f"{live_server.url}/public/toy-reports/status/")
    page.get_by_label("回执码（16 位数字）").fill(receipt)
    page.get_by_role("button", name="查询").click()
    assert "待受理" in page.locator("dl.facts").inner_text()
    page.get_by_label("补充情况或留言").fill("今天早上已经有人清运了一半")
    page.get_by_role("button", name="发送留言").click()
    assert "今天早上已经有人清运了一半" in page.locator("#messages").inner_text()
    assert receipt.replace(" ", "") not in page.url
    page.screenshot(path=str(shots / "public-status-390.png"), full_page=True)
    fresh.close()
    assert PublicMessage.objects.filter(direction="in").count() == 1

"""WCAG 2.1 AA held by axe-core: every persona (and nobody, for the public pages) crawls the pages it reaches
by links, one per URL pattern, at phone size, and a sample at desktop size; each page audited and weighed."""

from __future__ import annotations

import time

import pytest

from nuanqi.demo.world import DEMO_PASSWORD
from tests.browser import axe
from tests.crawl import crawl
from tests.demo_snapshot import demo_world

pytestmark = [pytest.mark.browser, pytest.mark.single_database, pytest.mark.django_db(transaction=True)]

PERSONAS = [
    "admin",
    "leader",
    "dispatcher",
    "commissioner",
    "commissioner2",
    "handler",
    "handler_zrzy",
    "consult",
    "company",
    "xc_leader",
    None,
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
DESKTOP_SAMPLE = 6  # pages per persona also audited at desktop size


@pytest.fixture
def demo(db):
    demo_world()


def _session(browser, live_server, username: str | None, viewport: dict[str, int]):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="zh-CN")
    page = context.new_page()
    if username:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button.primary")
        page.wait_for_url(f"{live_server.url}/")
    return context, page


def _collect_refusals(page, refused: list[str]) -> None:  # type: ignore[no-untyped-def]
    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", on_console)


def _fetcher(page, base: str, weight: axe.Weight, cost: list[tuple[int, int]]):  # type: ignore[no-untyped-def]
    """Load a page; `cost` gets what that load alone took (requests, bytes)."""

    def fetch(path: str) -> str | None:
        before = (weight.requests, weight.bytes)
        response = page.goto(base + path)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            return None
        html = page.content()
        cost.append((weight.requests - before[0], weight.bytes - before[1]))
        return html

    return fetch


def test_every_page_each_persona_reaches_meets_wcag_21_aa_and_stays_light(demo, live_server, browser):
    axe_js = axe.source()
    failures: list[str] = []
    report: list[str] = []
    weighed: list[float] = []  # KB a page
    started = time.monotonic()
    for username in PERSONAS:
        who = username or "anonymous"
        context, page = _session(browser, live_server, username, PHONE)
        weight = axe.track_weight(context, page, live_server.url)
        cost: list[tuple[int, int]] = []
        # What the Content-Security-Policy refused on any page (an inline style or script without the nonce).
        refused: list[str] = []
        _collect_refusals(page, refused)
        fetch = _fetcher(page, live_server.url, weight, cost)
        desktop: list[str] = []
        for route, path, _html in crawl("/", fetch, per_pattern=1):
            requests, size = cost[-1]
            for line in axe.audit(page, axe_js):
                failures.append(f"{who} 390px {path} ({route}): {line}")
            report.append(f"{who:13} {path:60} {size / 1000:6.1f} KB {requests} req")
            weighed.append(size / 1000)
            for text in refused:
                failures.append(f"{who} {path}: refused by the Content-Security-Policy: {text[:200]}")
            refused.clear()
            if weight.external:
                failures.append(f"{who} {path}: requests outside the site: {weight.external}")
                weight.external.clear()
            if size >= axe.MAX_BYTES or requests >= axe.MAX_REQUESTS:
                failures.append(f"{who} {path}: {size} bytes, {requests} requests (budget 100 KB, 6)")
            for url, thumb in weight.thumbnails:
                if thumb >= axe.MAX_THUMBNAIL_BYTES:
                    failures.append(f"{who} {path}: thumbnail {url} {thumb} bytes (budget 60 KB)")
            if weight.thumbnails:
                report[-1] += f" + {len(weight.thumbnails)} thumbnails"
                weight.thumbnails.clear()
            if len(desktop) < DESKTOP_SAMPLE:
                desktop.append(path)
        context.close()
        # Desktop on a sample: the audit found both sizes alike.
        context, page = _session(browser, live_server, username, DESKTOP)
        for path in desktop:
            page.goto(live_server.url + path)
            for line in axe.audit(page, axe_js):
                failures.append(f"{who} 1366px {path}: {line}")
        context.close()
    sizes = sorted(weighed)
    print(
        f"\naxe-core {axe.VERSION}: {len(report)} pages in {time.monotonic() - started:.0f} s;"
        f" median {sizes[len(sizes) // 2]:.1f} KB, largest {sizes[-1]:.1f} KB\n" + "\n".join(report)
    )
    assert not failures, f"{len(failures)} accessibility or weight failures:\n" + "\n".join(failures)

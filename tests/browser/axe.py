"""axe-core in Debian's Chromium: the pinned script (fetched by `./nq test`, see axe.lock) and an audit."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")
# The budget the audit found the product within (median 16.9 KB, 3 requests): every page stays under it.
MAX_BYTES = 100_000
MAX_REQUESTS = 6
# Photos a case holds are its content, not the page's weight: their thumbnails load lazily, as many as the
# case has, so they are counted apart, and each one has a budget of its own.
THUMBNAIL = re.compile(r"/files/\d+/thumbnail/$")
MAX_THUMBNAIL_BYTES = 60_000


def _lock() -> dict[str, str]:
    lines = (ROOT / "tests/browser/axe.lock").read_text(encoding="utf-8").splitlines()
    return dict(line.split(None, 1) for line in lines if line and not line.startswith("#"))


VERSION = _lock()["version"]


def source() -> str:
    """The pinned axe-core, or a skip (a failure under CI) when `./nq test` could not install it."""
    path = ROOT / ".axe" / f"axe-core-{VERSION}.min.js"
    if not path.exists():
        message = f"axe-core {VERSION} 未安装（运行 ./nq test 安装）/ not installed: run ./nq test"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path.read_text(encoding="utf-8")


@dataclass
class Weight:
    """What one page load cost over the wire, cache disabled."""

    requests: int = 0
    bytes: int = 0
    external: list[str] = field(default_factory=list)
    thumbnails: list[tuple[str, int]] = field(default_factory=list)  # (url, body bytes), apart from the above


def track_weight(context, page, origin: str) -> Weight:  # type: ignore[no-untyped-def]
    """Count requests and body bytes for the loads of `page`, with the browser cache off (a cold visit)."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    weight = Weight()

    def finished(request) -> None:  # type: ignore[no-untyped-def]
        size = max(0, request.sizes()["responseBodySize"])
        if request.url.startswith(origin) and THUMBNAIL.search(request.url.split("?", 1)[0]):
            weight.thumbnails.append((request.url, size))
            return
        weight.requests += 1
        weight.bytes += size
        if not request.url.startswith(origin) and not request.url.startswith("data:"):
            weight.external.append(request.url)

    page.on("requestfinished", finished)
    return weight


def audit(page, axe_js: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Critical and serious WCAG 2.0/2.1 A/AA violations on the loaded page, one line per element."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_js)  # through the DevTools protocol: no CSP or network involved
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document,
                {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ' — '
                    + (n.failureSummary || '').split('\\n').slice(1).join(' ').slice(0, 160))}));
        }""",
        TAGS,
    )
    return [
        f"[{v['impact']}] {v['id']} ({v['help']}): {node}"
        for v in result
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]

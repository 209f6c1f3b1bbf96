"""Real Chromium for this package's browser tests.

Playwright's sync API allows one instance per thread, and the browser package's session-wide instance may
already be running in the test thread. This package's `browser` therefore owns a Chromium in a thread of its
own: a test hands it a function, `browser.run(fn)`, which runs there with the Browser and returns (or raises)
in the test thread. The database is reached from that thread like from the live server's.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, shots

__all__ = ["browser", "shots"]

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ChromiumThread:
    def __init__(self, executable: str) -> None:
        self._jobs: queue.Queue[tuple[Callable[[Any], Any], queue.Queue[tuple[bool, Any]]] | None] = (
            queue.Queue()
        )
        self._ready: queue.Queue[BaseException | None] = queue.Queue()
        self._thread = threading.Thread(target=self._serve, args=(executable,), daemon=True)
        self._thread.start()
        failure = self._ready.get()
        if failure is not None:
            raise failure

    def _serve(self, executable: str) -> None:
        from playwright.sync_api import sync_playwright

        try:
            p = sync_playwright().start()
            b = p.chromium.launch(executable_path=executable, headless=True, args=LAUNCH_ARGS)
        except BaseException as exc:  # report a failed launch to the test thread
            self._ready.put(exc)
            return
        self._ready.put(None)
        try:
            while (job := self._jobs.get()) is not None:
                fn, reply = job
                try:
                    result: tuple[bool, Any] = (True, fn(b))
                except BaseException as exc:  # an assertion in the test body, re-raised in the test thread
                    result = (False, exc)
                finally:
                    # This thread's own database connections must not outlive the test (the test database is
                    # dropped at the end of the run).
                    from django.db import connections

                    connections.close_all()
                reply.put(result)
        finally:
            b.close()
            p.stop()

    def run(self, fn: Callable[[Any], Any]) -> Any:
        reply: queue.Queue[tuple[bool, Any]] = queue.Queue()
        self._jobs.put((fn, reply))
        ok, value = reply.get()
        if not ok:
            raise value
        return value

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=30)


@pytest.fixture(scope="session")
def browser() -> Iterator[ChromiumThread]:
    if CHROMIUM is None:
        pytest.skip(
            "未安装 Debian 的 chromium，跳过浏览器测试 / chromium not installed: browser tests skipped"
        )
    b = ChromiumThread(CHROMIUM)
    yield b
    b.close()

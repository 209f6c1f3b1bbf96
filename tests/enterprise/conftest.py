"""The browser fixtures (real Chromium through Playwright) for this package's browser tests."""

from tests.browser.conftest import browser, shots

__all__ = ["browser", "shots"]

"""A breadth-first crawler over the pages a person reaches by links, a few pages per URL pattern.

Ids are collapsed to the route they fill (`/cases/<str:number>/`), so a new page is visited as soon as some
page links to it, without editing a test, and at most `per_pattern` different URLs of one route are opened.
`fetch` is whatever loads a page and returns its HTML (the test client, or a browser page); links are read
from that HTML. `client_fetcher` is the test client's `fetch`: it records every followed link that answered
4xx or 5xx, so a crawl fails on a link its viewer cannot follow.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.test import Client
from django.urls import Resolver404, resolve

# Not pages of ours to audit: Django's admin, the API and its docs, and the language switch (a form target).
SKIP_PREFIXES = ("/admin/", "/api/", "/i18n/", "/static/", "/logout/")
# Downloads (ledgers, templates) are files, not pages.
SKIP_SUFFIXES = (".xlsx", ".pdf", ".csv")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links(html: str, base: str) -> list[str]:
    """Same-site paths (with their query) that `html`, served at `base`, links to."""
    parser = _Links()
    parser.feed(html)
    out = []
    for href in parser.hrefs:
        url = urlsplit(urljoin(base, href))
        if url.scheme not in ("http", "https", "") or (url.netloc and url.netloc != urlsplit(base).netloc):
            continue
        out.append(url.path + (f"?{url.query}" if url.query else ""))
    return out


def pattern(path: str) -> str | None:
    """The route a path resolves to (ids collapsed), or None for what the crawl leaves alone."""
    bare = path.split("?", 1)[0]
    if bare.startswith(SKIP_PREFIXES) or bare.endswith(SKIP_SUFFIXES):
        return None
    try:
        match = resolve(bare)
    except Resolver404:
        return None
    return "/" + match.route


def crawl(
    start: str, fetch: Callable[[str], str | None], *, limit: int = 80, per_pattern: int = 3
) -> Iterator[tuple[str, str, str]]:
    """Visit `start`, then every page reached by links, breadth-first, at most `per_pattern` URLs of each
    pattern and `limit` patterns in all.

    Yields (pattern, path, html) for each page `fetch` returned HTML for (None means: not a page).
    """
    opened: dict[str, int] = {}
    visited: set[str] = set()
    queue: deque[str] = deque([start])
    while queue:
        path = queue.popleft()
        route = pattern(path)
        if route is None or path in visited:
            continue
        if opened.get(route, 0) >= per_pattern or (route not in opened and len(opened) >= limit):
            continue
        opened[route] = opened.get(route, 0) + 1
        visited.add(path)
        html = fetch(path)
        if html is None:
            continue
        yield route, path, html
        queue.extend(links(html, "http://site" + path))


class ClientFetcher:
    """`fetch` through Django's test client: HTML pages are returned, redirects followed within the site,
    files skipped, and every answer of 400 or above recorded in `failures` as "status path (linked from
    referrer)"."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.failures: list[str] = []
        self.referrer = ""

    def __call__(self, path: str) -> str | None:
        response = self.client.get(path, follow=True)
        if response.status_code >= 400:
            self.failures.append(f"{response.status_code} {path} (linked from {self.referrer or 'start'})")
            return None
        if not response.get("Content-Type", "").startswith("text/html"):
            return None
        return response.content.decode()


def crawl_as(client: Client, start: str = "/", **options: int) -> tuple[list[str], list[str]]:
    """Crawl the site as the person logged into `client`: (the paths opened, the failures)."""
    fetcher = ClientFetcher(client)
    opened: list[str] = []
    for _route, path, _html in _crawl_tracking_referrer(start, fetcher, **options):
        opened.append(path)
    return opened, fetcher.failures


def _crawl_tracking_referrer(
    start: str, fetcher: ClientFetcher, **options: int
) -> Iterator[tuple[str, str, str]]:
    """`crawl`, telling the fetcher which page linked to the one it opens (for the failure message)."""
    referrers: dict[str, str] = {}

    def fetch(path: str) -> str | None:
        fetcher.referrer = referrers.get(path, "")
        html = fetcher(path)
        if html is not None:
            for link in links(html, "http://site" + path):
                referrers.setdefault(link, path)
        return html

    yield from crawl(start, fetch, **options)

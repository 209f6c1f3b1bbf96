"""A breadth-first crawler over the pages a person reaches by links, one page per URL pattern.

Ids are collapsed to the route they fill (`/cases/<str:number>/`), so a new page is visited as soon as some
page links to it, without editing a test. `fetch` is whatever loads a page and returns its HTML (the test
client, or a browser page); links are read from that HTML.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

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
    start: str, fetch: Callable[[str], str | None], *, limit: int = 80
) -> Iterator[tuple[str, str, str]]:
    """Visit `start`, then every page reached by links, breadth-first, the first URL of each pattern only.

    Yields (pattern, path, html) for each page `fetch` returned HTML for (None means: not a page).
    """
    seen: set[str] = set()
    queue: deque[str] = deque([start])
    while queue and len(seen) < limit:
        path = queue.popleft()
        route = pattern(path)
        if route is None or route in seen:
            continue
        seen.add(route)
        html = fetch(path)
        if html is None:
            continue
        yield route, path, html
        queue.extend(links(html, "http://site" + path))

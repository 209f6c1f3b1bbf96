"""Per-client limits over a sliding one-minute window, kept in the cache that the server processes share.

`Throttle("public", limit=20)`: `retry_after(key)` → seconds to wait (the caller answers 429 with
`Retry-After`) once `limit - 1` hits fall within the last `window` seconds, so the `limit`-th attempt within
a minute is the first one refused; `hit(key)` counts one (a failed lookup, a public post). A sliding log of
hit times, not fixed minutes, so a burst across a minute boundary gets no second allowance.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Throttle:
    scope: str
    limit: int
    window: int = 60

    def _key(self, who: str) -> str:
        return f"throttle:{self.scope}:{who}"

    def _recent(self, who: str, now: float) -> list[float]:
        return [t for t in cache.get(self._key(who), []) if t > now - self.window]

    def retry_after(self, who: str) -> int | None:
        now = time.time()
        recent = self._recent(who, now)
        if len(recent) >= self.limit - 1:
            oldest = sorted(recent)[len(recent) - (self.limit - 1)]
            return max(1, int(oldest + self.window - now) + 1)
        return None

    def hit(self, who: str) -> None:
        now = time.time()
        recent = self._recent(who, now)[-(self.limit + 1) :]
        cache.set(self._key(who), [*recent, now], timeout=self.window + 5)

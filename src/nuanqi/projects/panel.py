"""The leader's projects panel: how many projects are on track, yellow or red, by town and by category."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from .access import visible_projects
from .listing import filtered, rows_for

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


def context(user: User, today: Any) -> dict[str, Any] | None:
    rows = rows_for(filtered(visible_projects(user), {}))
    if not rows:
        return None
    lights = Counter(r["light"] for r in rows if r["light"])
    by_town: dict[str, Counter[str]] = {}
    by_category: dict[str, Counter[str]] = {}
    for r in rows:
        p = r["project"]
        by_town.setdefault(p.town.name if p.town else "—", Counter())[r["light"]] += 1
        by_category.setdefault(p.category or p.get_kind_display(), Counter())[r["light"]] += 1
    return {
        "total": len(rows),
        "lights": lights,
        "towns": sorted(by_town.items(), key=lambda kv: (-kv[1]["red"], -kv[1]["yellow"], kv[0])),
        "categories": sorted(by_category.items(), key=lambda kv: (-kv[1]["red"], kv[0])),
    }

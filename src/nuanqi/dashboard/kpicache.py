"""KPIs of a person's visible cases, memoised until the next timeline event or the next minute.

The leader's three-year view aggregates every case; recomputing it for each page view costs seconds at a
province's scale. Every change of a case writes a timeline event (one writer per state), so the newest
event id in the key says whether anything changed; entries live a minute, which bounds the drift of overdue
counts (they move with the clock alone). Office roles share one entry (they see the same cases); others get
their own.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from nuanqi.accounts.models import User
from nuanqi.cases import kpis
from nuanqi.cases.models import Event
from nuanqi.cases.visibility import visible_cases

TTL_SECONDS = 60


def _scope(user: User) -> str:
    return "office" if user.sees_everything else f"user{user.pk}"


def compute(user: User, start: date, end: date, by: str | None = None, *, kind: str = "") -> list[kpis.Kpi]:
    """`kpis.compute` over `visible_cases(user)` (of one kind when `kind` is given), served from the cache
    while nothing has changed."""
    head = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    db = f"{connection.vendor}:{settings.DATABASES['default']['NAME']}"
    key = f"kpis:{db}:{_scope(user)}:{start}:{end}:{by or ''}:{kind}:{head}"
    rows: list[kpis.Kpi] | None = cache.get(key)
    if rows is None:
        qs = visible_cases(user)
        rows = kpis.compute(qs.filter(kind=kind) if kind else qs, start, end, by)
        cache.set(key, rows, TTL_SECONDS)
    return rows

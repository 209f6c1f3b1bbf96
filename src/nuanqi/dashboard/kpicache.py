"""A person's KPIs: the office's from the daily roll-up, everyone else's per case over what they may see.

The leader's three-year view used to aggregate every case (seconds at a province's scale) and was kept in
a one-minute cache; the roll-up (`cases.rollup`, kept by the single writer) answers it from a few thousand
rows instead, so nothing is cached and every figure is current. A unit's or a commissioner's own cases are
few enough to count per case. (The module keeps its name so callers need not change.)
"""

from __future__ import annotations

from datetime import date

from nuanqi.accounts.models import User
from nuanqi.cases import kpis
from nuanqi.cases.visibility import visible_cases


def compute(user: User, start: date, end: date, by: str | None = None, *, kind: str = "") -> list[kpis.Kpi]:
    """`kpis.compute` over `visible_cases(user)` (of one kind when `kind` is given)."""
    if user.is_authenticated and user.is_active and user.sees_everything:
        return kpis.compute_all(start, end, by, kind=kind)
    qs = visible_cases(user)
    return kpis.compute(qs.filter(kind=kind) if kind else qs, start, end, by)


def ranking(user: User, start: date, end: date) -> kpis.Ranking:
    """红黑榜 over what `user` may see: the office's from the roll-up's figures by unit."""
    qs = visible_cases(user)
    if user.is_authenticated and user.is_active and user.sees_everything:
        return kpis.ranking(qs, start, end, by_unit=kpis.compute_all(start, end, "unit"))
    return kpis.ranking(qs, start, end)

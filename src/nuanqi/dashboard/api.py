"""KPIs in the JSON API, over the caller's visible cases: the same `cases.kpis` as pages and the CLI."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from nuanqi.cases import kpis
from nuanqi.columns import Code, SaneDate

from . import kpicache

router = Router(tags=["指标"])


@router.get("/kpis")
def get_kpis(
    request: HttpRequest, date_from: SaneDate, date_to: SaneDate, by: Code | None = None
) -> dict[str, Any]:
    """`?date_from=2023-03-01&date_to=2023-03-31&by=unit` → {"from", "to", "by", "rows": [...]}.
    Rates are fractions (null when nothing to divide by); see docs/kpis.md."""
    start = kpis.parse_day(date_from, "date_from")
    end = kpis.parse_day(date_to, "date_to")
    rows = kpicache.compute(request.user, start, end, by or None)  # type: ignore[arg-type]
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "by": by or "",
        "rows": [k.as_dict() for k in rows],
    }


@router.get("/kpis/ranking")
def get_ranking(request: HttpRequest, date_from: SaneDate, date_to: SaneDate) -> dict[str, Any]:
    """红黑榜 of lead units for the period."""
    start = kpis.parse_day(date_from, "date_from")
    end = kpis.parse_day(date_to, "date_to")
    r = kpicache.ranking(request.user, start, end)  # type: ignore[arg-type]
    return {"red": [k.as_dict() for k in r.red], "black": [k.as_dict() for k in r.black]}

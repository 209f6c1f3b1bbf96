"""Outcomes: recording indicators and comparing each company (and the programme) before and after the
commissioner arrived.

"Before" is the latest period of the chosen kind that ended before the first commissioner's dispatch day;
"after" is the latest period that ended after it. With yearly figures and a commissioner dispatched in May
2022, that compares 2021 with 2022 (or a later year once entered) — the seed's "产值增长130%".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Min
from django.utils.translation import gettext as _

from nuanqi.accounts.models import record_setting_change
from nuanqi.cases import coerce
from nuanqi.cases.errors import Forbidden
from nuanqi.columns import decimal_value

from .models import Assignment, Company, Indicator, Metric, PeriodKind
from .models.indicators import METRIC_UNITS
from .records import is_contact, is_office, serves

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


def period_bounds(kind: str, start: date) -> tuple[date, date]:
    """Normalise a period to its first day and compute its last: 2023-03-15 as a quarter → Q1 2023."""
    if kind == PeriodKind.YEAR:
        return date(start.year, 1, 1), date(start.year, 12, 31)
    if kind == PeriodKind.QUARTER:
        first_month = 3 * ((start.month - 1) // 3) + 1
        last_month = first_month + 2
        return date(start.year, first_month, 1), date(
            start.year, last_month, calendar.monthrange(start.year, last_month)[1]
        )
    return date(start.year, start.month, 1), date(
        start.year, start.month, calendar.monthrange(start.year, start.month)[1]
    )


def record_indicator(
    company: Company,
    metric: Any,
    period_kind: Any,
    period_start: date,
    value: Decimal | float | int,
    *,
    actor: User,
    source: str = "form",
    rematch: bool = True,
) -> Indicator:
    """Enter (or correct) one figure; the office, the serving commissioner or the company itself. A figure a
    person enters or corrects (not the demo's) leaves its audit row, old → new, in the same transaction."""
    if not (is_office(actor) or serves(actor, company) or is_contact(actor, company)):
        raise Forbidden("只有营商办、服务专员或企业本身可以填报指标")
    m = coerce.choice(Metric, metric, "指标", "metric")
    kind = coerce.choice(PeriodKind, period_kind, "周期", "period_kind")
    amount = decimal_value(Indicator, "value", value, minimum=0)
    start, end = period_bounds(kind, period_start)
    with transaction.atomic():
        old = (
            Indicator.objects.select_for_update()
            .filter(company=company, metric=m, period_kind=kind, period_start=start)
            .values_list("value", flat=True)
            .first()
        )
        row, created = Indicator.objects.update_or_create(
            company=company,
            metric=m,
            period_kind=kind,
            period_start=start,
            defaults={"period_end": end, "value": amount, "source": source, "entered_by": actor},
        )
        if source != "demo" and (created or old != amount):
            label = f"{company.name}：{Metric(m).label} {_label(kind, start)}"
            shown = f"{_n(amount)} {METRIC_UNITS[m]}"
            before = "" if old is None else f"{_n(old)} {METRIC_UNITS[m]}"
            record_setting_change(
                actor,
                "indicator",
                row,
                label,
                "create" if created else "update",
                {"value": shown} if created else {"value": [before, shown]},
            )
    if kind == PeriodKind.YEAR and rematch:
        # Thresholds read the latest yearly figures: the company's matches may change.
        from .matching import recompute_company

        recompute_company(company)
    return row


def dispatch_day(company: Company) -> date | None:
    return Assignment.objects.filter(company=company).aggregate(d=Min("started_on"))["d"]


@dataclass
class Comparison:
    metric: str
    label: str
    unit: str
    before: Decimal | None
    before_period: str
    after: Decimal | None
    after_period: str

    @property
    def change_pct(self) -> float | None:
        if self.before is None or self.after is None or self.before == 0:
            return None
        return round(float((self.after - self.before) / self.before * 100), 1)

    @property
    def text(self) -> str:
        if self.before is None or self.after is None:
            return _("数据不足")
        if self.metric == Metric.ACCIDENTS:
            counts = {"before": _n(self.before), "after": _n(self.after)}
            if self.after < self.before:
                return _("由%(before)s起降为%(after)s起") % counts
            return _("%(before)s起 → %(after)s起") % counts
        pct = self.change_pct
        if pct is None:
            return f"{_n(self.before)} → {_n(self.after)}{self.unit}"
        return (_("增长%(pct)s%%") if pct >= 0 else _("下降%(pct)s%%")) % {"pct": f"{abs(pct):g}"}


def _n(v: Decimal) -> str:
    return f"{v.normalize():f}" if v == v.to_integral_value() else f"{v:.2f}"


def _label(kind: str, d: date) -> str:
    if kind == PeriodKind.YEAR:
        return _("%(year)s年") % {"year": d.year}
    if kind == PeriodKind.QUARTER:
        return _("%(year)s年第%(quarter)s季度") % {"year": d.year, "quarter": (d.month - 1) // 3 + 1}
    return _("%(year)s年%(month)s月") % {"year": d.year, "month": d.month}


def compare_company(company: Company, kind: str = PeriodKind.YEAR) -> list[Comparison]:
    """Before/after per metric for one company (metrics with no figures are left out)."""
    rows = list(Indicator.objects.filter(company=company, period_kind=kind).order_by("period_start"))
    return _compare(dispatch_day(company), rows, kind)


def _compare(day: date | None, rows: list[Any], kind: str) -> list[Comparison]:
    """Before/after per metric from one company's figures of one period kind, oldest first (`Indicator`s, or
    rows with their `metric`, `period_start`, `period_end` and `value`)."""
    out = []
    for m in Metric:
        mine = [r for r in rows if r.metric == m.value]
        if not mine:
            continue
        before = [r for r in mine if day and r.period_end < day]
        after = [r for r in mine if day and r.period_end >= day]
        b, a = (before[-1] if before else None), (after[-1] if after else None)
        out.append(
            Comparison(
                m.value,
                str(m.label),
                METRIC_UNITS[m.value],
                b.value if b else None,
                _label(kind, b.period_start) if b else "",
                a.value if a else None,
                _label(kind, a.period_start) if a else "",
            )
        )
    return out


def compare_programme(companies: Any = None, kind: str = PeriodKind.YEAR) -> list[dict[str, Any]]:
    """Sums over the companies that have both a before and an after figure, per metric.

    Two queries whatever the number of companies (the dispatch days, then every figure of the kind in company
    order), not one or two a company: a district of 20,000 served companies made the programme page time out.
    """
    days = dict(
        Assignment.objects.filter(**({"company__in": companies} if companies is not None else {}))
        .order_by()
        .values("company_id")
        .annotate(d=Min("started_on"))
        .values_list("company_id", "d")
    )
    figures = (
        Indicator.objects.filter(period_kind=kind, company_id__in=list(days))
        .order_by("company_id", "period_start")
        .values_list("company_id", "metric", "period_start", "period_end", "value", named=True)
    )
    totals: dict[str, dict[str, Any]] = {}
    for company_id, rows in groupby(figures.iterator(chunk_size=5000), key=lambda r: r.company_id):
        for c in _compare(days[company_id], list(rows), kind):
            if c.before is None or c.after is None:
                continue
            t = totals.setdefault(
                c.metric,
                {
                    "metric": c.metric,
                    "label": c.label,
                    "unit": c.unit,
                    "before": Decimal(0),
                    "after": Decimal(0),
                    "companies": 0,
                },
            )
            t["before"] += c.before
            t["after"] += c.after
            t["companies"] += 1
    out = []
    for m in Metric:
        if m.value in totals:
            t = totals[m.value]
            cmp = Comparison(m.value, t["label"], t["unit"], t["before"], "", t["after"], "")
            out.append({**t, "change_pct": cmp.change_pct, "text": cmp.text})
    return out

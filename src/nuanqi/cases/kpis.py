"""The one implementation of the programme's KPIs (definitions in docs/kpis.md).

Every figure is a conditional aggregate over one queryset of cases, grouped by a dimension in SQL: no
Python loop ever walks the cases. The only Python arithmetic is over *distinct date pairs* (for the average
handling time in working days, which needs the working calendar) and over the per-group rows.

Modules above the engine add dimensions the engine cannot know (a company's commissioner, its town) with
`register_dimension`; pages, the API, the CLI, exports and tests all call `compute`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from nuanqi.calendars.services import current_calendar

from . import kinds
from .dbfuncs import LocalDate
from .errors import Invalid
from .models import AppealState, Case, Channel, Satisfaction

TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Dimension:
    """A way to group cases: a SQL expression over Case and a function naming its values."""

    name: str
    label: str
    expr: Callable[[], Any]
    names: Callable[[list[Any]], dict[Any, str]]
    # The /cases/ filter that lists one value's cases (e.g. "unit"); empty when the list has none.
    filter_param: str = ""
    # The same value for one case in Python, for the daily roll-up (cases.rollup) the writer keeps:
    # `value_of(case, memo)`, where `memo` is shared by the dimensions of one write (one query for a
    # company's facts serves two dimensions). None: the dimension is not rolled up.
    value_of: Callable[[Any, dict[str, Any]], Any] | None = None
    # A dimension that is a function of the day of receipt (month) is read from the roll-up's days.
    from_day: Callable[[date], Any] | None = None


def _unit_names(ids: list[Any]) -> dict[Any, str]:
    from nuanqi.accounts.models import Unit

    return {u.pk: u.label for u in Unit.objects.filter(pk__in=[i for i in ids if i is not None])}


def _category_names(ids: list[Any]) -> dict[Any, str]:
    from .models import Category

    return dict(Category.objects.filter(pk__in=[i for i in ids if i is not None]).values_list("pk", "name"))


def _channel_names(values: list[Any]) -> dict[Any, str]:
    return {v: str(Channel(v).label) for v in values if v in Channel.values}


def _month_names(values: list[Any]) -> dict[Any, str]:
    return {v: f"{v.year}年{v.month}月" for v in values if v is not None}


_DIMENSIONS: dict[str, Dimension] = {}


def register_dimension(dim: Dimension) -> None:
    _DIMENSIONS[dim.name] = dim


def dimensions() -> dict[str, Dimension]:
    return dict(_DIMENSIONS)


def _top_category(case: Any, memo: dict[str, Any]) -> Any:
    """The 大类 of a case's category: the roll-up's last record when the category is unchanged (no query
    on a workflow step), else the category's parent."""
    if case.category_id is None:
        return None
    prev = memo.get("previous") or {}
    if prev.get("cid") == case.category_id and "category" in prev.get("k", {}):
        return prev["k"]["category"]
    from .models import Category

    cached = case._state.fields_cache.get("category")
    parent = cached.parent_id if cached is not None else None
    if cached is None:
        parent = Category.objects.filter(pk=case.category_id).values_list("parent_id", flat=True).first()
    return parent or case.category_id


register_dimension(
    Dimension(
        "unit",
        gettext_noop("主办单位"),
        lambda: F("lead_unit_id"),
        _unit_names,
        "unit",
        lambda c, _m: c.lead_unit_id,
    )
)
register_dimension(
    Dimension(
        "category",
        gettext_noop("大类"),
        lambda: Coalesce("category__parent_id", "category_id"),
        _category_names,
        "category",
        _top_category,
    )
)
register_dimension(
    Dimension(
        "channel",
        gettext_noop("渠道"),
        lambda: F("channel"),
        _channel_names,
        "channel",
        lambda c, _m: c.channel,
    )
)
register_dimension(
    Dimension(
        "kind",
        gettext_noop("类别"),
        lambda: F("kind"),
        lambda v: {k: kinds.kind_label(k) for k in v if k},
        "kind",
        lambda c, _m: c.kind,
    )
)
register_dimension(
    Dimension(
        "month",
        gettext_noop("月份"),
        lambda: TruncMonth("received_at", tzinfo=TZ),
        _month_names,
        "",
        from_day=lambda d: date(d.year, d.month, 1),
    )
)


# ---------------------------------------------------------------- the figures


@dataclass
class Kpi:
    """One row of KPIs. Rates are fractions in [0, 1] or None when the denominator is 0."""

    key: Any = None
    name: str = "合计"
    received: int = 0
    signed: int = 0
    signed_on_time: int = 0
    dispatched: int = 0
    returned: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    rated: int = 0
    # Ratings that count in 满意率: all but those taken out by an upheld appeal (申诉成立).
    rated_counted: int = 0
    satisfied: int = 0
    appealed: int = 0
    appeal_upheld: int = 0
    extended: int = 0
    reopened: int = 0
    # Cases resolved at least once (resolved now, or sent back for 重办 after a resolution): 重办率's base.
    completed: int = 0
    open: int = 0
    overdue: int = 0
    avg_days: float | None = None
    rates: dict[str, float | None] = field(default_factory=dict)
    score: float | None = None

    def as_dict(self) -> dict[str, Any]:
        # Field by field, not `dataclasses.asdict`: its deep copy was an eighth of a warm dashboard request.
        out = {name: getattr(self, name) for name in _KPI_FIELDS}
        out["rates"] = dict(self.rates)
        key = out["key"]
        out["key"] = key.isoformat()[:7] if isinstance(key, (date, datetime)) else key
        return out


_KPI_FIELDS = tuple(f.name for f in fields(Kpi))

# name → (label, numerator, denominator): the single table of rate definitions (docs/kpis.md).
RATES: dict[str, tuple[str, str, str]] = {
    "sign_on_time": (gettext_noop("及时签收率"), "signed_on_time", "signed"),
    "resolve_on_time": (gettext_noop("按时办结率"), "resolved_on_time", "resolved"),
    "resolve": (gettext_noop("办结率"), "resolved", "received"),
    "satisfaction": (gettext_noop("满意率"), "satisfied", "rated_counted"),
    "rating": (gettext_noop("参评率"), "rated", "completed"),
    "return": (gettext_noop("退单率"), "returned", "dispatched"),
    "extension": (gettext_noop("延期率"), "extended", "received"),
    "reopen": (gettext_noop("重办率"), "reopened", "completed"),
}

COUNT_LABELS = {
    "received": gettext_noop("受理量"),
    "resolved": gettext_noop("办结量"),
    "open": gettext_noop("在办"),
    "overdue": gettext_noop("超期"),
    "avg_days": gettext_noop("平均办理时长(工作日)"),
    "appealed": gettext_noop("申诉"),
    "appeal_upheld": gettext_noop("申诉成立"),
}


def _aggregates(now: datetime) -> dict[str, Any]:
    signed = Q(signed_at__isnull=False)
    resolved = Q(resolved_at__isnull=False)
    returned = Q(return_count__gt=0)
    # The standing rating: after 不满意 → 重办 it keeps counting (and can be appealed) until a new rating
    # replaces it. Every rating follows a resolution, so rated ⊆ completed (参评率's base).
    rated = ~Q(satisfaction="")
    return {
        "received": Count("id"),
        "signed": Count("id", filter=signed),
        "signed_on_time": Count(
            "id", filter=signed & (Q(sign_due__isnull=True) | Q(signed_at__lte=F("sign_due")))
        ),
        "dispatched": Count("id", filter=Q(dispatched_at__isnull=False) | returned),
        "returned": Count("id", filter=returned),
        "resolved": Count("id", filter=resolved),
        "resolved_on_time": Count(
            "id", filter=resolved & (Q(resolve_due__isnull=True) | Q(resolved_at__lte=F("resolve_due")))
        ),
        "rated": Count("id", filter=rated),
        "rated_counted": Count("id", filter=rated & ~Q(appeal_state=AppealState.UPHELD)),
        "appealed": Count("id", filter=~Q(appeal_state="")),
        "appeal_upheld": Count("id", filter=Q(appeal_state=AppealState.UPHELD)),
        "satisfied": Count(
            "id", filter=rated & Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])
        ),
        "extended": Count("id", filter=Q(extension_days__gt=0)),
        "reopened": Count("id", filter=Q(reopen_count__gt=0)),
        "completed": Count("id", filter=resolved | Q(reopen_count__gt=0)),
        "open": Count("id", filter=Q(status__in=kinds.statuses(kinds.OPEN))),
        "overdue": Count("id", filter=Q(status__in=kinds.statuses(kinds.OPEN), resolve_due__lt=now)),
    }


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in Asia/Shanghai: both dates are included."""
    if end < start:
        raise Invalid("结束日期不能早于开始日期", "invalid_period", field="to")
    lo = datetime.combine(start, time.min, tzinfo=TZ)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=TZ)
    return lo, hi


def in_period(qs: QuerySet[Case], start: date, end: date) -> QuerySet[Case]:
    """The cohort: cases received within the period."""
    lo, hi = period_bounds(start, end)
    return qs.filter(received_at__gte=lo, received_at__lt=hi)


def _rates(k: Kpi) -> None:
    for name, (_label, num, den) in RATES.items():
        d = getattr(k, den)
        k.rates[name] = round(getattr(k, num) / d, 4) if d else None


def _working_days_between(pairs: Iterable[tuple[date, date, int]]) -> tuple[float, int]:
    """Σ working days and the number of cases, over (received day, resolved day, count) pairs: a case
    resolved on a later day took the workdays after its receipt day up to and including the resolve day."""
    cal = current_calendar()
    total = 0.0
    n = 0
    cache: dict[date, bool] = {}

    def workday(d: date) -> bool:
        if d not in cache:
            cache[d] = cal.is_workday(d)
        return cache[d]

    for a, b, count in pairs:
        days = 0
        d = a + timedelta(days=1)
        while d <= b:
            days += workday(d)
            d += timedelta(days=1)
        total += days * count
        n += count
    return total, n


def _norm(key: Any) -> Any:
    """Month keys come back as aware datetimes on some databases: the Shanghai date of the 1st."""
    if isinstance(key, datetime):
        return timezone.localtime(key, TZ).date() if timezone.is_aware(key) else key.date()
    return key


def compute(
    qs: QuerySet[Case], start: date, end: date, by: str | None = None, *, now: datetime | None = None
) -> list[Kpi]:
    """KPIs of the cases of `qs` received in [start, end], one row per value of dimension `by` (or one
    total row). Two aggregate queries (figures, then handling time) plus one to name the groups."""
    now = now or timezone.now()
    cohort = in_period(qs, start, end).order_by()
    # A merged duplicate (a status that does not count) is counted once, as its original; sealed kinds never.
    uncounted = kinds.statuses(counted=False)
    if uncounted:
        cohort = cohort.exclude(status__in=uncounted)
    if kinds.sealed_kinds():
        cohort = cohort.exclude(kind__in=kinds.sealed_kinds())
    if by:
        dim = _DIMENSIONS.get(by)
        if dim is None:
            choices = "、".join(_DIMENSIONS)
            raise Invalid(f"不支持按“{by}”统计（可选：{choices}）", "invalid_dimension", field="by")
        key = dim.expr()
    else:
        dim = None
        key = Value(0, output_field=IntegerField())
    grouped = cohort.annotate(_key=key).values("_key")
    rows = {_norm(r["_key"]) if dim else None: r for r in grouped.annotate(**_aggregates(now))}
    pairs = (
        cohort.filter(resolved_at__isnull=False)
        .annotate(
            _key=dim.expr() if dim else Value(0, output_field=IntegerField()),
            _a=LocalDate("received_at"),
            _b=LocalDate("resolved_at"),
        )
        .values("_key", "_a", "_b")
        .annotate(n=Count("id"))
    )
    days: dict[Any, list[tuple[date, date, int]]] = {}
    for p in pairs:
        days.setdefault(_norm(p["_key"]) if dim else None, []).append((p["_a"], p["_b"], p["n"]))
    names = dim.names(list(rows)) if dim else {}
    out = []
    for key, r in rows.items():
        k = Kpi(key=key, name=names.get(key, gettext("（未指定）")) if dim else gettext("合计"))
        figures: dict[str, Any] = dict(r)
        for f in _aggregates(now):
            setattr(k, f, figures[f])
        total, n = _working_days_between(days.get(key, []))
        k.avg_days = round(total / n, 2) if n else None
        _rates(k)
        out.append(k)
    if not by and not out:
        k = Kpi()
        _rates(k)
        out.append(k)
    out.sort(key=lambda k: (-k.received, str(k.name)))
    return out


def compute_all(
    start: date,
    end: date,
    by: str | None = None,
    *,
    kind: str = "",
    imported: bool | None = None,
    now: datetime | None = None,
) -> list[Kpi]:
    """`compute` over every case but the sealed kinds (what the office sees), read from the daily roll-up
    (cases.rollup) when it can answer, else per case. `imported`: None counts the historical ledger's cases
    too (docs/kpis.md); False leaves them out, True counts only them."""
    from . import rollup

    rows = rollup.read(start, end, by, kind=kind, imported=imported, now=now)
    if rows is not None:
        return rows
    qs = Case.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if imported is not None:
        qs = qs.filter(imported=imported)
    return compute(qs, start, end, by, now=now)


def total(qs: QuerySet[Case], start: date, end: date, *, now: datetime | None = None) -> Kpi:
    return compute(qs, start, end, None, now=now)[0]


# ---------------------------------------------------------------- 红黑榜

# Weights of the composite score of a unit (docs/kpis.md): timeliness and satisfaction weigh most.
SCORE_WEIGHTS = {"resolve_on_time": 0.35, "satisfaction": 0.30, "sign_on_time": 0.20, "return": -0.15}
MIN_CASES_FOR_RANKING = 3


def score(k: Kpi) -> float | None:
    """0–100: Σ weight × rate (退单率 counts against), a missing rate counting as a neutral 0.5. A unit
    needs MIN_CASES_FOR_RANKING received cases to be ranked at all."""
    if k.received < MIN_CASES_FOR_RANKING:
        return None
    s = 0.15  # the offset that maps the negative weight of 退单率 back into [0, 1]
    for name, w in SCORE_WEIGHTS.items():
        rate = k.rates.get(name)
        s += w * (0.5 if rate is None else rate)
    return round(100 * s, 1)


@dataclass
class Ranking:
    red: list[Kpi]
    black: list[Kpi]
    all: list[Kpi]


def ranking(
    qs: QuerySet[Case],
    start: date,
    end: date,
    *,
    size: int = 3,
    now: datetime | None = None,
    by_unit: list[Kpi] | None = None,
) -> Ranking:
    """红黑榜 of lead units: the best `size` scores without overdue cases on the red list; on the black
    list, units with overdue
    cases (most first) and then units scoring below the average, worst first. `by_unit`: the KPIs of `qs`
    by unit when the caller has them (the office's, from the roll-up), instead of counting them per case."""
    if by_unit is None:
        by_unit = compute(qs, start, end, "unit", now=now)
    rows = [k for k in by_unit if k.key is not None]
    for k in rows:
        k.score = score(k)
    ranked = sorted((k for k in rows if k.score is not None), key=lambda k: (-(k.score or 0), str(k.name)))
    # A unit with cases overdue right now does not make the red list, whatever its rates.
    red = [k for k in ranked if k.overdue == 0][:size]
    # The black list names units that fall short: overdue cases, or a score below the ranked units'
    # average — never a unit merely because few units were ranked.
    mean = sum(k.score or 0 for k in ranked) / len(ranked) if ranked else 0
    rest = [k for k in ranked if k not in red and (k.overdue > 0 or (k.score or 0) < mean)]
    black = sorted(rest, key=lambda k: (-k.overdue, k.score or 0, str(k.name)))[:size]
    return Ranking(red=red, black=black, all=ranked)


def parse_day(text: str | date | None, field: str) -> date:
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text or "").strip())
    except ValueError:
        raise Invalid(
            f"日期“{text or ''}”格式不正确，应形如 2023-03-27", "invalid_date", field=field
        ) from None

"""Policy ↔ company matching, explained ("符合：规上工业企业、白泉镇").

Two evaluators with one meaning:
- `evaluate(criteria, facts)` checks one pair, criterion by criterion — the definition, used for one company's
  page and as the reference in tests;
- `CompanyIndex` pre-indexes every company by industry section and division, scale, 规上, town and tag, so
  a policy's candidates are an intersection of a few sets (smallest first) and only its numeric thresholds are
  checked per candidate. 50,000 companies × 500 policies run in seconds (bench/policy_match_bench.py).

`recompute_all()` replaces every stored match in one transaction; applications (applied → granted) are kept
in their own table and never touched by a recompute.
"""

from __future__ import annotations

import operator
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from nuanqi.lib import gbt4754

from .models import Company, Indicator, Metric, PeriodKind, Policy, PolicyMatch, Scale
from .models.indicators import METRIC_UNITS

INDUSTRIAL_SECTIONS = {
    "B",
    "C",
    "D",
}  # 工业 in the statistics office's sense: mining, manufacturing, utilities
SCALE_LABELS = {s.value: str(s.label) for s in Scale}
METRIC_LABELS = {m.value: str(m.label) for m in Metric}
OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
OP_LABELS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


@dataclass(frozen=True)
class Criteria:
    policy_id: int
    industries: tuple[str, ...] = ()
    scales: tuple[str, ...] = ()
    above_scale_only: bool = False
    towns: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    thresholds: tuple[tuple[str, str, float], ...] = ()  # (metric, op, value)

    @classmethod
    def of(cls, p: Policy) -> Criteria:
        return cls(
            policy_id=p.pk,
            industries=tuple(p.industries or ()),
            scales=tuple(p.scales or ()),
            above_scale_only=p.above_scale_only,
            towns=tuple(p.towns or ()),
            tags=tuple(p.tags or ()),
            thresholds=tuple((t["metric"], t["op"], float(t["value"])) for t in (p.thresholds or ())),
        )


@dataclass
class Facts:
    company_id: int
    industry: str = ""
    scale: str = ""
    above_scale: bool = False
    town: str = ""
    tags: frozenset[str] = frozenset()
    figures: dict[str, float] = field(default_factory=dict)  # latest yearly value per metric


def _industry_label(code: str, wanted: tuple[str, ...]) -> str:
    """The name of the most precise wanted code the company falls under."""
    if code[1:] and code in wanted:
        return gbt4754.DIVISIONS[code[1:]]
    return gbt4754.SECTIONS[code[0]][0]


def _reasons(c: Criteria, f: Facts) -> str:
    parts: list[str] = []
    industrial = bool(f.industry) and f.industry[0] in INDUSTRIAL_SECTIONS
    if c.above_scale_only and c.industries and industrial and all(len(w) == 1 for w in c.industries):
        parts.append("规上工业企业")
    else:
        if c.above_scale_only:
            parts.append("规上企业")
        if c.industries:
            parts.append(_industry_label(f.industry, c.industries))
    if c.scales:
        parts.append(f"{SCALE_LABELS.get(f.scale, f.scale)}企业")
    if c.towns:
        parts.append(f.town)
    parts.extend(c.tags)
    for metric, op, value in c.thresholds:
        unit = METRIC_UNITS.get(metric, "")
        label = METRIC_LABELS.get(metric, metric)
        parts.append(f"{label}{_num(f.figures[metric])}{unit}{OP_LABELS[op]}{_num(value)}{unit}")
    return "符合：" + ("、".join(parts) if parts else "普惠政策，无限制条件")


def _num(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}"


def evaluate(c: Criteria, f: Facts) -> str | None:
    """The reasons if the company is eligible, else None. The definition of a match."""
    if c.industries and not any(gbt4754.matches(f.industry, w) for w in c.industries):
        return None
    if c.scales and f.scale not in c.scales:
        return None
    if c.above_scale_only and not f.above_scale:
        return None
    if c.towns and f.town not in c.towns:
        return None
    if c.tags and not all(t in f.tags for t in c.tags):
        return None
    for metric, op, value in c.thresholds:
        have = f.figures.get(metric)
        if have is None or not OPS[op](have, value):
            return None
    return _reasons(c, f)


class CompanyIndex:
    """Every company's facts, indexed by each criterion's values."""

    def __init__(self, facts: Iterable[Facts]) -> None:
        self.facts: dict[int, Facts] = {}
        self.by_industry: dict[str, set[int]] = defaultdict(set)  # "C" and "C27" both
        self.by_scale: dict[str, set[int]] = defaultdict(set)
        self.by_town: dict[str, set[int]] = defaultdict(set)
        self.by_tag: dict[str, set[int]] = defaultdict(set)
        self.above: set[int] = set()
        for f in facts:
            i = f.company_id
            self.facts[i] = f
            if f.industry:
                self.by_industry[f.industry[0]].add(i)
                self.by_industry[f.industry].add(i)
            self.by_scale[f.scale].add(i)
            self.by_town[f.town].add(i)
            for t in f.tags:
                self.by_tag[t].add(i)
            if f.above_scale:
                self.above.add(i)
        self.all: set[int] = set(self.facts)

    @staticmethod
    def _union(index: dict[str, set[int]], keys: Iterable[str]) -> set[int]:
        sets = [index.get(k, set()) for k in keys]
        if len(sets) == 1:
            return sets[0]
        return set().union(*sets)

    def candidates(self, c: Criteria) -> set[int]:
        sets: list[set[int]] = []
        if c.industries:
            sets.append(self._union(self.by_industry, c.industries))
        if c.scales:
            sets.append(self._union(self.by_scale, c.scales))
        if c.above_scale_only:
            sets.append(self.above)
        if c.towns:
            sets.append(self._union(self.by_town, c.towns))
        for t in c.tags:
            sets.append(self.by_tag.get(t, set()))
        if not sets:
            return self.all
        sets.sort(key=len)
        # Intersecting from the smallest set keeps the work proportional to the rarest criterion.
        return sets[0].intersection(*sets[1:]) if len(sets) > 1 else sets[0]

    def match(self, c: Criteria) -> list[tuple[int, str]]:
        """(company id, reasons) for every eligible company, in id order."""
        out: list[tuple[int, str]] = []
        facts = self.facts
        checks = [(m, OPS[op], v) for m, op, v in c.thresholds]
        # Without thresholds the words depend only on industry, scale and town: explain each combination once.
        cache: dict[tuple[str, str, str], str] = {}
        for i in sorted(self.candidates(c)):
            f = facts[i]
            if checks:
                figures = f.figures
                ok = True
                for metric, fn, value in checks:
                    have = figures.get(metric)
                    if have is None or not fn(have, value):
                        ok = False
                        break
                if not ok:
                    continue
                out.append((i, _reasons(c, f)))
                continue
            key = (f.industry, f.scale, f.town)
            words = cache.get(key)
            if words is None:
                words = cache[key] = _reasons(c, f)
            out.append((i, words))
        return out


# ---------------------------------------------------------------- loading and storing


def load_facts(company_ids: Iterable[int] | None = None) -> list[Facts]:
    """Companies' facts with their latest yearly figures, in two queries."""
    qs = Company.objects.all()
    if company_ids is not None:
        qs = qs.filter(pk__in=list(company_ids))
    facts: dict[int, Facts] = {}
    for pk, industry, scale, above, town, tags in qs.values_list(
        "pk", "industry", "scale", "above_scale", "town__name", "tags"
    ).iterator(chunk_size=5000):
        facts[pk] = Facts(pk, industry or "", scale or "", above, town or "", frozenset(tags or ()))
    ind = Indicator.objects.filter(period_kind=PeriodKind.YEAR)
    if company_ids is not None:
        ind = ind.filter(company_id__in=list(facts))
    # Ordered by period so that the latest year's value is the one left in the dict.
    for company_id, metric, value in (
        ind.order_by("period_start").values_list("company_id", "metric", "value").iterator(chunk_size=20000)
    ):
        f = facts.get(company_id)
        if f is not None:
            f.figures[metric] = float(value)
    return list(facts.values())


def live_policies(today: date | None = None) -> list[Policy]:
    today = today or timezone.localdate()
    return list(
        Policy.objects.filter(active=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .order_by("pk")
    )


def _writer(cursor: Any, table: str, sql: str) -> Callable[[list[tuple[int, int, str, Any]]], None]:
    """The fastest bulk path of the database: COPY on PostgreSQL; on SQLite the driver's executemany with a
    page cache large enough to keep millions of index inserts in memory."""
    if connection.vendor == "postgresql":

        def copy(rows: list[tuple[int, int, str, Any]]) -> None:
            # COPY's text format written in one piece: formatting the lines in Python is far cheaper than
            # adapting them row by row. Reasons are our own words (no tabs or newlines); backslashes escaped.
            stamp = rows[0][3].isoformat() if rows else ""
            data = "".join(f"{p}\t{c}\t{r.replace(chr(92), chr(92) * 2)}\t{stamp}\n" for p, c, r, _at in rows)
            with cursor.cursor.copy(
                f"COPY {table} (policy_id, company_id, reasons, matched_at) FROM STDIN"
            ) as cp:
                cp.write(data)

        return copy
    if connection.vendor == "sqlite":
        raw = cursor.cursor  # the sqlite3 cursor under Django's wrapper
        raw.execute("PRAGMA cache_size = -262144")
        qmark = sql.replace("%s", "?")

        def many(rows: list[tuple[int, int, str, Any]]) -> None:
            raw.executemany(qmark, rows)

        return many
    return lambda rows: cursor.executemany(sql, rows)


def recompute_all() -> dict[str, Any]:
    """Match every company against every live policy and replace the stored matches. Returns a summary."""
    started = time.perf_counter()
    index = CompanyIndex(load_facts())
    policies = live_policies()
    # One timestamp for the whole run, adapted to the database once rather than per row.
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = PolicyMatch._meta.db_table
    sql = f"INSERT INTO {table} (policy_id, company_id, reasons, matched_at) VALUES (%s, %s, %s, %s)"
    total = 0
    with transaction.atomic(), connection.cursor() as cursor:
        PolicyMatch.objects.all().delete()
        write = _writer(cursor, table, sql)
        batch: list[tuple[int, int, str, Any]] = []
        for p in policies:
            batch.extend(
                (p.pk, company_id, reasons, now) for company_id, reasons in index.match(Criteria.of(p))
            )
            if len(batch) >= 50000:
                write(batch)
                total += len(batch)
                batch = []
        if batch:
            write(batch)
            total += len(batch)
    return {
        "companies": len(index.facts),
        "policies": len(policies),
        "matches": total,
        "seconds": round(time.perf_counter() - started, 2),
    }


def recompute_company(company: Company) -> int:
    """Re-match one company (after its record or figures change)."""
    facts = load_facts([company.pk])
    if not facts:
        return 0
    f = facts[0]
    rows = []
    for p in live_policies():
        reasons = evaluate(Criteria.of(p), f)
        if reasons is not None:
            rows.append(PolicyMatch(policy=p, company=company, reasons=reasons))
    with transaction.atomic():
        PolicyMatch.objects.filter(company=company).delete()
        PolicyMatch.objects.bulk_create(rows)
    return len(rows)


def recompute_policy(policy: Policy) -> int:
    """Match one (new or changed) policy against every company."""
    index = CompanyIndex(load_facts())
    live = {p.pk for p in live_policies()}
    rows = (
        [PolicyMatch(policy=policy, company_id=i, reasons=r) for i, r in index.match(Criteria.of(policy))]
        if policy.pk in live
        else []
    )
    with transaction.atomic():
        PolicyMatch.objects.filter(policy=policy).delete()
        PolicyMatch.objects.bulk_create(rows, batch_size=5000)
    return len(rows)

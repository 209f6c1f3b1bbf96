"""Read-side helpers shared by pages and the API: filtered lists with keyset pagination, annotations."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import coerce, kinds
from .errors import Invalid
from .models import Case, Channel, Task, TaskStatus
from .visibility import WorkList, visible_cases

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

_TZ = ZoneInfo("Asia/Shanghai")


def _task_count(extra: Q | None = None) -> Coalesce:
    qs = Task.objects.filter(case_id=OuterRef("pk"))
    if extra is not None:
        qs = qs.filter(extra)
    sub = qs.order_by().values("case_id").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def with_list_columns(qs: QuerySet[Case]) -> QuerySet[Case]:
    """What a list row shows, fetched in the same query: units, owner, category, task progress."""
    return qs.select_related("lead_unit", "owner", "category", "category__parent").annotate(
        tasks_total=_task_count(),
        tasks_done=_task_count(Q(status=TaskStatus.DONE)),
    )


@dataclass
class CaseFilters:
    kind: str | None = None
    status: str | None = None
    owner_me: bool = False
    overdue: bool | None = None
    company: int | None = None
    open_only: bool = False
    # The filters behind every dashboard figure (a number links to the list it counts).
    unit: int | None = None
    category: int | None = None
    channel: str | None = None
    date_from: date | None = None  # received on or after (Asia/Shanghai day)
    date_to: date | None = None  # received on or before
    sla: str | None = None  # "red" | "yellow"
    extra: dict[str, str] = field(default_factory=dict)  # filters registered by modules (town, commissioner)


# Filters that modules above the engine register (name → function from the raw value to a Q on Case).
EXTRA_FILTERS: dict[str, Callable[[str], Q]] = {}


def register_filter(name: str, fn: Callable[[str], Q]) -> None:
    EXTRA_FILTERS[name] = fn


_BIG = 2**63 - 1  # a 64-bit column's largest value: beyond it SQLite overflows and PostgreSQL errs
_PIECE = re.compile(r"-?[0-9]{1,19}")


def _int(value: Any, field_name: str, label: str) -> int:
    text = str(value).strip()
    if not _PIECE.fullmatch(text) or abs(int(text)) > _BIG:
        raise Invalid(f"{label}“{text[:30]}”无效", "invalid_filter", field=field_name)
    return int(text)


def parse_cursor(value: Any, parts: int = 1) -> tuple[int, ...] | None:
    """The one parser of page cursors (lists, 我的清单, search; API and pages): `parts` integers joined by
    dots, each within a 64-bit column. None when absent; Invalid ("invalid_cursor", 422) for anything else."""
    if value in (None, ""):
        return None
    pieces = str(value).split(".")
    if len(pieces) != parts or not all(_PIECE.fullmatch(p) for p in pieces):
        raise Invalid("分页游标 next 无效", "invalid_cursor", field="next")
    numbers = tuple(int(p) for p in pieces)
    if any(abs(n) > _BIG for n in numbers):
        raise Invalid("分页游标 next 无效", "invalid_cursor", field="next")
    return numbers


def filters_from_query(params: Any) -> CaseFilters:
    """CaseFilters from a query string (the list page, the ledger export, dashboard links)."""

    def day(key: str) -> date | None:
        value = (params.get(key) or "").strip()
        if not value:
            return None
        try:
            found = date.fromisoformat(value)
        except ValueError:
            found = None
        # A year far away (9999-12-31) would overflow the day arithmetic of the filters: refused as well.
        if found is None or not 1900 <= found.year <= 2200:
            raise Invalid(f"日期“{value[:30]}”格式不正确，应形如 2023-03-27", "invalid_date", field=key)
        return found

    sla = params.get("sla") or None
    if sla not in (None, "red", "yellow"):
        raise Invalid("sla 只能是 red 或 yellow", "invalid_filter", field="sla")
    return CaseFilters(
        kind=params.get("kind") or None,
        status=params.get("status") or None,
        owner_me=params.get("owner") == "me",
        overdue=True if params.get("overdue") == "1" else None,
        company=_int(params["company"], "company", "企业") if params.get("company") else None,
        unit=_int(params["unit"], "unit", "单位") if params.get("unit") else None,
        category=_int(params["category"], "category", "分类") if params.get("category") else None,
        channel=params.get("channel") or None,
        date_from=day("from"),
        date_to=day("to"),
        sla=sla,
        extra={k: params[k] for k in EXTRA_FILTERS if params.get(k)},
    )


def _status_code(value: str, kind: str | None) -> str:
    """A status code from its code or its label (in the given kind's words, else any kind's)."""
    text = value.strip()
    specs = [kinds.parse_kind(kind)] if kind else kinds.all_kinds()
    for spec in specs:
        for st in spec.statuses:
            if text in (st.code, str(st.label)):
                return st.code
    options = "、".join(dict.fromkeys(str(st.label) for spec in specs for st in spec.statuses))
    raise Invalid(f"状态“{text}”不在可选范围内（可选：{options}）", "invalid_choice", field="status")


def filtered_cases(user: User, f: CaseFilters) -> QuerySet[Case]:
    return apply_filters(visible_cases(user), f, user)


def apply_filters(qs: QuerySet[Case], f: CaseFilters, user: User | None = None) -> QuerySet[Case]:
    """The filters on any base queryset (a person's visible cases, or every case for an admin's CLI)."""
    open_statuses = kinds.statuses(kinds.OPEN)
    if f.kind:
        qs = qs.filter(kind=kinds.parse_kind(f.kind).code)
    if f.status:
        if f.status in kinds.PHASES:
            qs = qs.filter(status__in=kinds.statuses(f.status))
        else:
            qs = qs.filter(status=_status_code(f.status, f.kind))
    if f.open_only:
        qs = qs.filter(status__in=open_statuses)
    if f.owner_me and user is not None:
        qs = qs.filter(owner_id=user.pk)
    if f.overdue is not None:
        now = timezone.now()
        overdue = Q(status__in=open_statuses, resolve_due__lt=now)
        qs = qs.filter(overdue) if f.overdue else qs.exclude(overdue)
    if f.company is not None:
        qs = qs.filter(subject_type="company", subject_id=f.company)
    if f.unit is not None:
        qs = qs.filter(lead_unit_id=f.unit)
    if f.category is not None:
        qs = qs.filter(Q(category_id=f.category) | Q(category__parent_id=f.category))
    if f.channel:
        qs = qs.filter(channel=coerce.choice(Channel, f.channel, "渠道", "channel"))
    if f.date_from is not None:
        qs = qs.filter(received_at__gte=datetime.combine(f.date_from, time.min, tzinfo=_TZ))
    if f.date_to is not None:
        qs = qs.filter(received_at__lt=datetime.combine(f.date_to + timedelta(days=1), time.min, tzinfo=_TZ))
    if f.sla:
        now = timezone.now()
        if f.sla == "red":
            qs = qs.filter(status__in=open_statuses, resolve_due__lt=now)
        else:
            qs = qs.filter(status__in=open_statuses, warn_at__lte=now, resolve_due__gte=now)
    for name, value in f.extra.items():
        if name in EXTRA_FILTERS:
            qs = qs.filter(EXTRA_FILTERS[name](value))
    return qs


def keyset_page(qs: QuerySet[Case], cursor: Any, limit: int) -> tuple[list[Case], str | None]:
    """Newest first by id; `cursor` is the last id of the previous page. Never OFFSET."""
    below = parse_cursor(cursor)
    if below is not None:
        qs = qs.filter(pk__lt=below[0])
    rows = list(qs.order_by("-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(rows[-1].pk) if more and rows else None)


def worklist_page(
    worklist: WorkList, cursor: Any, limit: int, kind: str = ""
) -> tuple[list[int], str | None]:
    """A page of 我的清单 (`visibility.my_worklist`; only items of `kind` when given), keyset on its own
    order: rank, priority, due, id. Returns the page's case ids in that order and the next page's cursor
    (None on the last page).

    The cursor is the last row's "rank.priority.due-microseconds.id"; never OFFSET. Only the page's ids are
    found here (`visibility.WorkList.keys`, a statement compiled once per person and shape); their list
    columns are read for those ids alone (`rows.page_records`): SQLite would otherwise compute the joins and
    the task counts for every open item before sorting."""
    parsed = parse_cursor(cursor, 4)
    after = None
    if parsed is not None:
        rank, prio, due_us, last = parsed
        try:
            due = datetime.fromtimestamp(due_us / 1e6, tz=UTC)
        except (OverflowError, OSError, ValueError):  # a time no deadline can have
            raise Invalid("分页游标 next 无效", "invalid_cursor", field="next") from None
        after = (last, rank, prio, due)
    keys = worklist.keys(after, limit + 1, kind)
    more = len(keys) > limit
    keys = keys[:limit]
    ids = [k[0] for k in keys]
    if not (more and keys):
        return ids, None
    pk, rank_, prio_, due_ = keys[-1]
    return ids, f"{rank_}.{prio_}.{round(due_.timestamp() * 1e6)}.{pk}"

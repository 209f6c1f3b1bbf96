"""Read-side helpers shared by pages and the API: filtered lists with keyset pagination, annotations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import coerce
from .errors import Invalid
from .models import OPEN_STATUSES, Case, Kind, Status, Task, TaskStatus
from .visibility import visible_cases

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


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


def filtered_cases(user: User, f: CaseFilters) -> QuerySet[Case]:
    qs = visible_cases(user)
    if f.kind:
        qs = qs.filter(kind=coerce.choice(Kind, f.kind, "类别", "kind"))
    if f.status:
        if f.status == "open":
            qs = qs.filter(status__in=OPEN_STATUSES)
        else:
            qs = qs.filter(status=coerce.choice(Status, f.status, "状态", "status"))
    if f.open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if f.owner_me:
        qs = qs.filter(owner_id=user.pk)
    if f.overdue is not None:
        now = timezone.now()
        overdue = Q(status__in=OPEN_STATUSES, resolve_due__lt=now)
        qs = qs.filter(overdue) if f.overdue else qs.exclude(overdue)
    if f.company is not None:
        qs = qs.filter(subject_type="company", subject_id=f.company)
    return qs


def keyset_page(qs: QuerySet[Case], cursor: Any, limit: int) -> tuple[list[Case], str | None]:
    """Newest first by id; `cursor` is the last id of the previous page. Never OFFSET."""
    if cursor not in (None, ""):
        try:
            qs = qs.filter(pk__lt=int(str(cursor)))
        except ValueError:
            raise Invalid("分页游标 next 无效", "invalid_cursor", field="next") from None
    rows = list(qs.order_by("-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(rows[-1].pk) if more and rows else None)


def worklist_page(qs: QuerySet[Case], cursor: Any, limit: int) -> tuple[list[Case], str | None]:
    """A page of 我的清单 (`visibility.my_worklist`), keyset on its own order: rank, priority, due, id.

    The cursor is the last row's "rank.priority.due-microseconds.id"; never OFFSET."""
    if cursor not in (None, ""):
        try:
            rank, prio, due_us, last = (int(x) for x in str(cursor).split("."))
        except ValueError:
            raise Invalid("分页游标 next 无效", "invalid_cursor", field="next") from None
        due = datetime.fromtimestamp(due_us / 1e6, tz=UTC)
        qs = qs.filter(
            Q(overdue_rank__gt=rank)
            | Q(overdue_rank=rank, priority__gt=prio)
            | Q(overdue_rank=rank, priority=prio, due_key__gt=due)
            | Q(overdue_rank=rank, priority=prio, due_key=due, pk__gt=last)
        )
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if not (more and rows):
        return rows, None
    c: Any = rows[-1]
    due_us = round(c.due_key.timestamp() * 1e6)
    return rows, f"{c.overdue_rank}.{c.priority}.{due_us}.{c.pk}"

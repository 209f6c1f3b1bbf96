"""The only way views and endpoints fetch cases and tasks. A fetch outside these functions is a bug."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case as When_
from django.db.models import Count, DateTimeField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from nuanqi.accounts.models import Role
from nuanqi.lib.compiled import CompiledQuery

from . import kinds
from .access import providers
from .models import Case, Task, TaskStatus

if TYPE_CHECKING:
    from nuanqi.accounts.models import User


def generic_cases() -> QuerySet[Case]:
    """Every case that generic lists, exports, KPIs and dashboards may ever show: all but the sealed kinds,
    which only their module's own pages read (through the module's own visibility function)."""
    sealed = kinds.sealed_kinds()
    return Case.objects.exclude(kind__in=sealed) if sealed else Case.objects.all()


def _unit_q(user: User) -> Q:
    if not user.unit_id or not user.has_role(Role.HANDLER):
        return Q(pk__in=[])
    task_cases = Task.objects.filter(unit_id=user.unit_id).values("case_id")
    return Q(lead_unit_id=user.unit_id) | Q(pk__in=task_cases)


def _access_q(user: User) -> Q:
    q = Q(owner_id=user.pk) | Q(created_by_id=user.pk) | _unit_q(user)
    for provider in providers():
        extra = provider.visible_q(user)
        if extra is not None:
            q |= extra
    return q


def visible_cases(user: User) -> QuerySet[Case]:
    """Every case this person may read."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if user.sees_everything:
        return generic_cases()
    return generic_cases().filter(_access_q(user))


def get_visible_case(user: User, number: str) -> Case:
    """The case with this number if the user may read it; otherwise Case.DoesNotExist (→ 404)."""
    return visible_cases(user).get(number=number)


def visible_tasks(user: User, case: Case) -> QuerySet[Task]:
    """Tasks of a case the user can read (anyone who sees the case sees its co-handling progress)."""
    return Task.objects.filter(case=case).select_related("unit")


def _worklist_branches(user: User) -> list[Q]:
    """The separate reasons an open item is this person's work; each one is a query an index serves."""
    branches = [Q(owner_id=user.pk)]
    if user.unit_id and user.has_role(Role.HANDLER):
        branches.append(
            Q(lead_unit_id=user.unit_id, status__in=kinds.statuses(kinds.OPEN, turn=kinds.TURN_LEAD_UNIT))
        )
        branches.append(
            Q(
                pk__in=Task.objects.filter(
                    unit_id=user.unit_id, status__in=[TaskStatus.PENDING, TaskStatus.SIGNED]
                ).values("case_id")
            )
        )
    if user.has_role(Role.DISPATCHER, Role.ADMIN):
        branches.append(Q(status__in=kinds.statuses(kinds.OPEN, turn=kinds.TURN_OFFICE)))
        branches.append(Q(extension_pending__isnull=False))
    for provider in providers():
        extra = provider.worklist_q(user)
        if extra is not None:
            branches.append(extra)
    return branches


def worklist_q(user: User) -> Q:
    """The open items that are this person's work: owned, led by the unit, tasks, module relations."""
    q = Q()
    for branch in _worklist_branches(user):
        q |= branch
    return q


# The UNION of a person's branches as SQL text and parameters, per database and person, compiled once per
# process (compiling it cost more than running it). The branches are a function of the person's id, unit
# and roles alone: relations to companies, points and the like are subqueries the database evaluates on
# each run (`AccessProvider.worklist_q`), so a key with those three (and the registered kinds and providers)
# finds a statement that is still right.
_UNION_SQL: dict[tuple[Any, ...], tuple[str, tuple[Any, ...]]] = {}
_UNION_SQL_MAX = 4096  # people per process before the cache starts over


def _worklist_ids(user: User) -> list[int]:
    """The ids of the open items on this person's 我的清单 (before visibility): one UNION statement."""
    # The registered kinds and providers are in the key too (tests register their own).
    key = (connection.vendor, user.pk, user.unit_id, user.roles, kinds.generation(), *map(id, providers()))
    found = _UNION_SQL.get(key)
    if found is None:
        open_ = kinds.statuses(kinds.OPEN)
        parts = [
            Case.objects.filter(b, status__in=open_).order_by().values_list("pk", flat=True)
            for b in _worklist_branches(user)
        ]
        union = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
        sql, params = union.query.sql_with_params()
        if len(_UNION_SQL) >= _UNION_SQL_MAX:
            _UNION_SQL.clear()
        found = _UNION_SQL[key] = (sql, tuple(params))
    with connection.cursor() as cursor:
        cursor.execute(*found)
        return [row[0] for row in cursor.fetchall()]


# Sorts after every real deadline, the same on both databases (they order NULLs differently).
_NO_DUE = datetime(9999, 1, 1, tzinfo=UTC)


def _ranked(qs: QuerySet[Case], now: datetime) -> Any:
    """The ranking's keys as annotations: overdue_rank (0 overdue, else 1) and due_key (no deadline last).
    (Typed Any: the type checker knows the model's fields, not these.)"""
    return qs.annotate(
        overdue_rank=When_(
            When(resolve_due__lt=now, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
        due_key=Coalesce("resolve_due", Value(_NO_DUE, output_field=DateTimeField())),
    )


def my_worklist(user: User) -> QuerySet[Case]:
    """我的清单: open items, overdue first, then P1→P4, then the nearest deadline (`due_key`), then id.

    The branches are fetched as a UNION of small indexed queries (open items only), run here as one query,
    and visibility and the ranking then see just those ids. One OR over all branches with their subqueries
    made PostgreSQL scan the whole table; so did the UNION left as a subquery, which it hash-joined against a
    sequential scan for the visibility filter (1.8 s at a million cases instead of milliseconds)."""
    return _ranked(visible_cases(user).filter(pk__in=_worklist_ids(user)), timezone.now()).order_by(
        "overdue_rank", "priority", "due_key", "id"
    )


# A key of the ranking: (id, overdue_rank, priority, due_key).
WorklistKey = tuple[int, int, int, datetime]


def _page_query(
    user: User, kind: str, after: bool, limit: int, *, ids: list[int], now: datetime, **cursor: Any
) -> QuerySet[Any]:
    """The ranking's first `limit` keys (after the cursor's row when `after`), as `my_worklist` orders."""
    qs = _ranked(visible_cases(user).filter(pk__in=ids), now)
    if kind:
        qs = qs.filter(kind=kind)
    if after:
        rank, prio, due, last = cursor["rank"], cursor["prio"], cursor["due"], cursor["last"]
        qs = qs.filter(
            Q(overdue_rank__gt=rank)
            | Q(overdue_rank=rank, priority__gt=prio)
            | Q(overdue_rank=rank, priority=prio, due_key__gt=due)
            | Q(overdue_rank=rank, priority=prio, due_key=due, pk__gt=last)
        )
    return qs.order_by("overdue_rank", "priority", "due_key", "id").values_list(
        "pk", "overdue_rank", "priority", "due_key"
    )[:limit]


def _count_query(user: User, kind: str, *, ids: list[int], now: datetime) -> QuerySet[Any]:
    """The list's rows counted by (overdue_rank, yellow): at most three groups."""
    qs = _ranked(visible_cases(user).filter(pk__in=ids), now)
    if kind:
        qs = qs.filter(kind=kind)
    yellow = When_(
        When(resolve_due__gte=now, warn_at__lte=now, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return qs.annotate(yellow=yellow).order_by().values_list("overdue_rank", "yellow").annotate(n=Count("pk"))


# Markers for the compiled statements: ids no case has, instants no deadline has, and cursor values within
# their columns' ranges (Django leaves a comparison with an int out of range out of the SQL).
def _markers(which: int, size: int) -> dict[str, Any]:
    return {
        "ids": [-(2 ** (40 + which)) - i for i in range(size)],
        "now": datetime(1901, 2, 3, 4, 5, 6, 7 + which, tzinfo=UTC),
        "rank": 2_000_000_001 + which,
        "prio": 32_001 + which,
        "due": datetime(1902, 3, 4, 5, 6, 7, 8 + which, tzinfo=UTC),
        "last": 2_000_000_011 + which,
    }


# (what the statement depends on) → the compiled ranking or count statement, or None for a person who can
# see nothing (visible_cases is none()). The key holds what `_worklist_ids`'s does, plus whether the person
# is active, the kind, the shape (cursor or not, the page size) and the ids' padded length.
_RANKING_SQL: dict[tuple[Any, ...], CompiledQuery | None] = {}
_RANKING_SQL_MAX = 16384


def _compiled(
    key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], names: tuple[str, ...], size: int
) -> CompiledQuery | None:
    if key in _RANKING_SQL:
        return _RANKING_SQL[key]
    a, b = ({n: m[n] for n in names} for m in (_markers(0, size), _markers(1, size)))
    found: CompiledQuery | None
    try:
        found = CompiledQuery(build, a, b)
    except EmptyResultSet:
        found = None
    if len(_RANKING_SQL) >= _RANKING_SQL_MAX:
        _RANKING_SQL.clear()
    _RANKING_SQL[key] = found
    return found


def _person_key(user: User) -> tuple[Any, ...]:
    return (
        connection.vendor,
        user.pk,
        user.unit_id,
        user.roles,
        user.is_active,
        kinds.generation(),
        *map(id, providers()),
    )


class WorkList:
    """我的清单 of one person, read by one request: its ids once (`_worklist_ids`, the first time they are
    needed), then a page of its ranking (`keys`) and its counts (`counts`), each one statement compiled once
    per person and shape (`lib.compiled`: the ids, the clock and the cursor are its parameters) from the
    same querysets `my_worklist` builds. Not to be kept beyond the request: the list changes."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.now = timezone.now()  # one clock for the page and the counts, as one queryset had
        self._ids: list[int] | None = None

    def _padded_ids(self) -> tuple[int, list[int]]:
        if self._ids is None:
            self._ids = _worklist_ids(self.user)
        ids = self._ids
        if not ids:
            return 0, []
        # A power of two (the last id repeated, which IN ignores), so a person's statements are few.
        size = 1 << (len(ids) - 1).bit_length()
        return size, ids + [ids[-1]] * (size - len(ids))

    def keys(self, after: WorklistKey | None, limit: int, kind: str = "") -> list[WorklistKey]:
        """The first `limit` keys of the list (only items of `kind` when given) after the row whose key is
        `after` (None: from the top): (id, overdue_rank, priority, due_key) each, in `my_worklist`'s order."""
        size, padded = self._padded_ids()
        if not size:
            return []
        user = self.user
        key = ("page", *_person_key(user), kind, after is not None, limit, size)

        def build(**values: Any) -> QuerySet[Any]:
            return _page_query(user, kind, after is not None, limit, **values)

        names = ("ids", "now", "rank", "prio", "due", "last") if after is not None else ("ids", "now")
        statement = _compiled(key, build, names, size)
        if statement is None:
            return []
        values: dict[str, Any] = {"ids": padded, "now": self.now}
        if after is not None:
            values.update(zip(("last", "rank", "prio", "due"), after, strict=True))
        return [(r[0], r[1], r[2], r[3]) for r in statement.rows(**values)]

    def counts(self, kind: str = "") -> dict[str, int]:
        """The whole list counted (only items of `kind` when given): {"total", "red" (overdue), "yellow"
        (from warn_at, not yet overdue)}, as `sla_state` colours open items."""
        counts = {"total": 0, "red": 0, "yellow": 0}
        size, padded = self._padded_ids()
        if not size:
            return counts
        user = self.user
        key = ("count", *_person_key(user), kind, size)

        def build(**values: Any) -> QuerySet[Any]:
            return _count_query(user, kind, **values)

        statement = _compiled(key, build, ("ids", "now"), size)
        if statement is None:
            return counts
        for rank, yellow, n in statement.rows(ids=padded, now=self.now):
            counts["total"] += n
            if rank == 0:
                counts["red"] += n
            elif yellow:
                counts["yellow"] += n
        return counts

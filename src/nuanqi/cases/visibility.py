"""The only way views and endpoints fetch cases and tasks. A fetch outside these functions is a bug."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Case as When_
from django.db.models import DateTimeField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from nuanqi.accounts.models import Role

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


def my_worklist(user: User) -> QuerySet[Case]:
    """我的清单: open items, overdue first, then P1→P4, then the nearest deadline (`due_key`), then id.

    The branches are fetched as a UNION of small indexed queries (open items only), run here as one query,
    and visibility and the ranking then see just those ids. One OR over all branches with their subqueries
    made PostgreSQL scan the whole table; so did the UNION left as a subquery, which it hash-joined against a
    sequential scan for the visibility filter (1.8 s at a million cases instead of milliseconds)."""
    now = timezone.now()
    ids = _worklist_ids(user)
    return (
        visible_cases(user)
        .filter(pk__in=ids)
        .annotate(
            overdue_rank=When_(
                When(resolve_due__lt=now, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            due_key=Coalesce("resolve_due", Value(_NO_DUE, output_field=DateTimeField())),
        )
        .order_by("overdue_rank", "priority", "due_key", "id")
    )

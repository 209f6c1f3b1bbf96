"""The only way views and endpoints fetch cases and tasks. A fetch outside these functions is a bug."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case as When_
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from nuanqi.accounts.models import Role

from .access import providers
from .models import OPEN_STATUSES, Case, Kind, Status, Task, TaskStatus

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

# Tips (举报) are never readable by the office-wide roles: only their inspection group sees them
# (the tips module adds that through its provider).
_OFFICE_KINDS_EXCLUDED = (Kind.TIP,)


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
        return Case.objects.exclude(kind__in=_OFFICE_KINDS_EXCLUDED) | Case.objects.filter(_access_q(user))
    return Case.objects.filter(_access_q(user))


def get_visible_case(user: User, number: str) -> Case:
    """The case with this number if the user may read it; otherwise Case.DoesNotExist (→ 404)."""
    return visible_cases(user).get(number=number)


def visible_tasks(user: User, case: Case) -> QuerySet[Task]:
    """Tasks of a case the user can read (anyone who sees the case sees its co-handling progress)."""
    return Task.objects.filter(case=case).select_related("unit")


def worklist_q(user: User) -> Q:
    """The open items that are this person's work: owned, led by the unit, tasks, module relations."""
    q = Q(owner_id=user.pk)
    if user.unit_id and user.has_role(Role.HANDLER):
        q |= Q(lead_unit_id=user.unit_id, status__in=[Status.DISPATCHED, Status.IN_PROGRESS])
        q |= Q(
            pk__in=Task.objects.filter(
                unit_id=user.unit_id, status__in=[TaskStatus.PENDING, TaskStatus.SIGNED]
            ).values("case_id")
        )
    if user.has_role(Role.DISPATCHER, Role.ADMIN):
        q |= Q(status__in=[Status.NEW, Status.ACCEPTED]) | Q(extension_pending__isnull=False)
    for provider in providers():
        extra = provider.worklist_q(user)
        if extra is not None:
            q |= extra
    return q


def my_worklist(user: User) -> QuerySet[Case]:
    """我的清单: open items, overdue first, then P1→P4, then the nearest deadline."""
    now = timezone.now()
    return (
        visible_cases(user)
        .filter(worklist_q(user), status__in=OPEN_STATUSES)
        .annotate(
            overdue_rank=When_(
                When(resolve_due__lt=now, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("overdue_rank", "priority", "resolve_due", "id")
    )

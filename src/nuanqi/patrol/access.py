"""Who sees which points and their problems: the office all, a point leader (点位长) his points, a unit
handler the points his unit is responsible for. Patrol problems name their point as subject, so a point
leader sees and works his points' problems; the responsible unit sees them as lead unit (the engine's
own relation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from nuanqi.accounts.models import Role
from nuanqi.cases.access import SubjectRef
from nuanqi.cases.errors import Invalid

from .models import Point
from .workflow import REVIEW

if TYPE_CHECKING:
    from nuanqi.accounts.models import User
    from nuanqi.cases.models import Case

SUBJECT = "point"


def led_point_ids(user: User) -> QuerySet[Point, int]:
    return Point.objects.filter(leader_id=user.pk).values_list("pk", flat=True)


def visible_points(user: User) -> QuerySet[Point]:
    """Every point this person may read (anyone else gets 404)."""
    if not user.is_authenticated or not user.is_active:
        return Point.objects.none()
    if user.sees_everything:
        return Point.objects.all()
    q = Q(leader_id=user.pk)
    if user.unit_id and user.has_role(Role.HANDLER):
        q |= Q(responsible_unit_id=user.unit_id)
    return Point.objects.filter(q)


def patrollable_points(user: User) -> QuerySet[Point]:
    """The points this person patrols: a point leader his own, the office every active one."""
    if not user.is_authenticated or not user.is_active:
        return Point.objects.none()
    if user.has_role(Role.ADMIN, Role.DISPATCHER, Role.PATROLLER):
        return Point.objects.filter(active=True)
    return Point.objects.filter(active=True, leader_id=user.pk)


class PatrolAccess:
    def visible_q(self, user: User) -> Q | None:
        if not user.has_role(Role.POINT_LEADER):
            return None
        return Q(subject_type=SUBJECT, subject_id__in=led_point_ids(user))

    def worklist_q(self, user: User) -> Q | None:
        # 复查 is the point leader's work: the problems of his points waiting for it.
        if not user.has_role(Role.POINT_LEADER):
            return None
        return Q(subject_type=SUBJECT, subject_id__in=led_point_ids(user), status=REVIEW)

    def relations(self, user: User, case: Case) -> set[str]:
        if case.subject_type != SUBJECT or case.subject_id is None or not user.has_role(Role.POINT_LEADER):
            return set()
        if Point.objects.filter(pk=case.subject_id, leader_id=user.pk).exists():
            return {"point_leader"}
        return set()


def resolve_point(user: User, value: object) -> SubjectRef:
    """A point the user may file a problem about, by id or name."""
    text = str(value).strip() if value is not None else ""
    if not text:
        raise Invalid("请选择点位", "missing_field", field="point")
    qs = visible_points(user)
    point = qs.filter(pk=int(text)).first() if text.isdigit() else None
    if point is None:
        point = qs.filter(name=text).first()
    if point is None:
        raise Invalid(f"找不到点位“{text}”，或您无权为其登记问题", "unknown_point", field="point")
    return SubjectRef(SUBJECT, point.pk, point.name)

"""`POST /api/v1/routing/suggest` and `POST /api/v1/cases/duplicates`: what the new-case form fetches as the
user types, and what an API client asks before it files."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema

from nuanqi.accounts.models import Role, User
from nuanqi.cases.access import SubjectRef, resolve_subject
from nuanqi.cases.errors import Invalid
from nuanqi.columns import Id, RowRef

from . import duplicates
from .suggest import suggest

router = Router(tags=["派单建议与重复提醒"])

# Who files and triages cases inside the government; companies and the public file through their own paths.
STAFF = (Role.ADMIN, Role.DISPATCHER, Role.LEADER, Role.COMMISSIONER, Role.HANDLER)

Title = Annotated[str, Field(max_length=200)]
Text = Annotated[str, Field(max_length=20000)]


def _staff(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.has_role(*STAFF):
        raise Http404
    return user


def _company(user: User, value: Any) -> SubjectRef | None:
    return resolve_subject("company", user, value) if value not in (None, "") else None


class RoutingSuggestIn(Schema):
    title: Title
    description: Text = ""
    company: RowRef | None = None


class RoutingSubcategoryOut(Schema):
    id: int
    name: str
    category: str
    score: float
    reasons: list[str]


class RoutingUnitOut(Schema):
    id: int
    name: str
    score: float
    reasons: list[str]


class RoutingSuggestOut(Schema):
    subcategory: list[RoutingSubcategoryOut]
    lead_unit: list[RoutingUnitOut]
    basis: str
    note: str


@router.post("/routing/suggest", response=RoutingSuggestOut, summary="派单建议：小项（大类）与主办单位前三")
def suggest_route(request: HttpRequest, payload: RoutingSuggestIn) -> dict[str, Any]:
    user = _staff(request)
    industry = town = ""
    subject = _company(user, payload.company)
    if subject is not None:
        from nuanqi.enterprise.models import Company

        row = Company.objects.filter(pk=subject.id).values_list("industry", "town__name").first()
        if row:
            industry, town = row[0] or "", row[1] or ""
    return suggest(payload.title, payload.description, industry=industry, town=town).as_dict()


class DuplicateSubjectIn(Schema):
    type: Annotated[str, Field(max_length=20)]
    id: Id


class DuplicatesIn(Schema):
    kind: Annotated[str, Field(max_length=20)] = ""
    title: Title
    description: Text = ""
    company: RowRef | None = None
    subject: DuplicateSubjectIn | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    long: float | None = Field(None, ge=-180, le=180)


class DuplicateOut(Schema):
    number: str
    title: str
    status: str
    status_label: str
    score: float


class DuplicatesOut(Schema):
    items: list[DuplicateOut]


def _near_points(lat: float, long: float) -> list[tuple[str, int]]:
    """Patrol points within about 150 m (a box; the points of one district are few)."""
    from nuanqi.patrol.access import SUBJECT
    from nuanqi.patrol.models import Point

    d = 0.0015
    ids = Point.objects.filter(
        latitude__range=(lat - d, lat + d), longitude__range=(long - d, long + d)
    ).values_list("pk", flat=True)[:50]
    return [(SUBJECT, pk) for pk in ids]


@router.post(
    "/cases/duplicates", response=DuplicatesOut, summary="重复提醒：同一对象可能重复的在办或近期事项"
)
def find_duplicates(request: HttpRequest, payload: DuplicatesIn) -> dict[str, Any]:
    user = _staff(request)
    subject = _company(user, payload.company)
    if subject is None and payload.subject is not None:
        subject = resolve_subject(payload.subject.type, user, payload.subject.id)
    near: list[tuple[str, int]] = []
    if payload.lat is not None and payload.long is not None:
        near = _near_points(payload.lat, payload.long)
    elif (payload.lat is None) != (payload.long is None):
        raise Invalid("经纬度须同时给出", "missing_field", field="long" if payload.long is None else "lat")
    items = duplicates.find(
        user,
        title=payload.title,
        description=payload.description,
        kind=payload.kind,
        subject=subject,
        subjects=near,
    )
    return {"items": items}

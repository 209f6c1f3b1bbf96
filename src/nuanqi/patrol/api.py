"""The patrol API: the points a person patrols with their checklists, and one patrol submitted once.

`POST /api/v1/patrol/points/{id}/patrols` takes multipart form data — `outcome-<item>` (pass, fail, na),
`note-<item>`, `photo-<item>`, `note` — and an `Idempotency-Key` header: the same key from the same person
answers with the patrol it already made (200 instead of 201), so a client retrying over a flaky connection
makes one patrol."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from nuanqi.accounts.models import User
from nuanqi.cases.errors import Invalid
from nuanqi.cases.models import Case
from nuanqi.cases.visibility import visible_cases
from nuanqi.columns import Code, Id

from .access import patrollable_points
from .models import Patrol, Topic
from .nearby import PUBLIC_RADIUS_M, STAFF_RADIUS_M, nearby_problems, nearest_first, place_from
from .services import checklist, submit_patrol
from .views import answers_from

router = Router(tags=["点位巡查"])
public_router = Router(tags=["公众受理"], auth=None)


class CheckItemOut(Schema):
    id: int
    topic: str
    topic_label: str
    text: str


class PointOut(Schema):
    id: int
    name: str
    point_type: str
    town: str
    community: str
    address: str
    latitude: float | None
    longitude: float | None
    items: list[CheckItemOut]
    distance_m: int | None = None


class ResultOut(Schema):
    item: int
    outcome: str
    note: str
    case: str | None
    relapse: bool


class PatrolOut(Schema):
    id: int
    point: int
    submitted_at: datetime
    results: list[ResultOut]


@router.get(
    "/points",
    response=list[PointOut],
    summary="我负责巡查的点位及其检查清单（坐标为 WGS-84；给出 lat、long 时按距离由近及远）",
)
def list_points(request: HttpRequest) -> list[PointOut]:
    user: User = request.user  # type: ignore[assignment]
    points = list(
        patrollable_points(user).select_related("town", "point_type").order_by("town__name", "name")
    )
    place = place_from(request.GET)
    ordered = nearest_first(points, *place) if place is not None else [(p, None) for p in points]
    return [
        PointOut(
            id=p.pk,
            name=p.name,
            point_type=p.point_type.name,
            town=p.town.name,
            community=p.community,
            address=p.address,
            latitude=float(p.latitude) if p.latitude is not None else None,
            longitude=float(p.longitude) if p.longitude is not None else None,
            items=[
                CheckItemOut(id=i.pk, topic=i.topic, topic_label=i.get_topic_display(), text=i.text)
                for i in checklist(p)
            ],
            distance_m=d,
        )
        for p, d in ordered
    ]


def _patrol_out(patrol: Patrol) -> PatrolOut:
    results = patrol.results.select_related("case").order_by("item__sort", "id")
    return PatrolOut(
        id=patrol.pk,
        point=patrol.point_id,
        submitted_at=patrol.submitted_at,
        results=[
            ResultOut(
                item=r.item_id,
                outcome=r.outcome,
                note=r.note,
                case=r.case.number if r.case else None,
                relapse=r.relapse,
            )
            for r in results
        ],
    )


@router.post(
    "/points/{point_id}/patrols",
    response={200: PatrolOut, 201: PatrolOut},
    summary="提交一次巡查（multipart：outcome-<项>、note-<项>、photo-<项>；请求头 Idempotency-Key）",
)
def post_patrol(request: HttpRequest, point_id: Id) -> Status[PatrolOut]:
    user: User = request.user  # type: ignore[assignment]
    point = patrollable_points(user).get(pk=point_id)
    answers, _shown = answers_from(request, point)
    patrol, created = submit_patrol(
        user,
        point.pk,
        answers,
        key=request.headers.get("Idempotency-Key", ""),
        note=request.POST.get("note", ""),
    )
    return Status(201 if created else 200, _patrol_out(patrol))


class NearOut(Schema):
    number: str
    title: str
    category: str
    status: str
    status_label: str
    distance_m: int
    received_at: datetime


class PublicNearOut(Schema):
    number: str
    category: str
    status_label: str
    distance_m: int
    received_at: datetime


def topic_from(value: str) -> str:
    """A category by code (`garbage`) or by name (垃圾堆放)."""
    for t in Topic:
        if value in (t.value, str(t.label)):
            return t.value
    options = "、".join(str(t.label) for t in Topic)
    raise Invalid(f"问题类别须为：{options}", "invalid_choice", field="category")


class Place(Schema):
    category: Code
    lat: float = Query(..., ge=-90, le=90, description="纬度（WGS-84）")
    long: float = Query(..., ge=-180, le=180, description="经度（WGS-84）")


@router.get(
    "/nearby",
    response=list[NearOut],
    summary="上报前：附近（默认 1 公里内）未销号的同类问题，由近及远；受理员可将新报告合并为重复件",
)
def nearby(
    request: HttpRequest, place: Query[Place], radius: int = Query(STAFF_RADIUS_M, ge=1, le=STAFF_RADIUS_M)
) -> list[NearOut]:
    user: User = request.user  # type: ignore[assignment]
    found = nearby_problems(visible_cases(user), topic_from(place.category), place.lat, place.long, radius)
    return [
        NearOut(
            number=n.case.number,
            title=n.case.title,
            category=n.case.category.name if n.case.category else "",
            status=n.case.status,
            status_label=n.case.status_label,
            distance_m=n.distance_m,
            received_at=n.case.received_at,
        )
        for n in found
    ]


@public_router.get(
    "/nearby",
    response=list[PublicNearOut],
    summary="公众上报前：250 米内未销号的同类问题（只含公开字段）",
)
def public_nearby(request: HttpRequest, place: Query[Place]) -> list[PublicNearOut]:
    public = Case.objects.filter(confidential=False)
    found = nearby_problems(public, topic_from(place.category), place.lat, place.long, PUBLIC_RADIUS_M)
    return [
        PublicNearOut(
            number=n.case.number,
            category=n.case.category.name if n.case.category else "",
            status_label=n.case.status_label,
            distance_m=n.distance_m,
            received_at=n.case.received_at,
        )
        for n in found
    ]

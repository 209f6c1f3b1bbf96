"""Duplicates by place: the open problems of a category within a radius of a WGS-84 location — 250 m for
the public, 1 km for staff — shown before a report is saved. A problem's place is its Open311 report's
coordinates, else its point's. Candidates come from a bounding box in SQL; the great-circle distance
decides."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from nuanqi.cases.models import Case

from .access import SUBJECT
from .geo import distance_m
from .models import Open311Report, Point, Topic
from .workflow import LIVE, PATROL

PUBLIC_RADIUS_M = 250
STAFF_RADIUS_M = 1000
LIMIT = 20


@dataclass(frozen=True)
class Near:
    case: Case
    distance_m: int


def _box(lat: float, lon: float, radius_m: float) -> dict[str, float]:
    d_lat = radius_m / 111_195.0
    d_lon = radius_m / (111_195.0 * max(math.cos(math.radians(lat)), 0.01))
    return {
        "latitude__gte": lat - d_lat,
        "latitude__lte": lat + d_lat,
        "longitude__gte": lon - d_lon,
        "longitude__lte": lon + d_lon,
    }


def nearby_problems(
    cases: QuerySet[Case], topic: str, lat: float, lon: float, radius_m: float, *, exclude: int | None = None
) -> list[Near]:
    """The live problems among `cases` of `topic`'s category within `radius_m` of (lat, lon), nearest
    first."""
    box = _box(lat, lon, radius_m)
    points = {p.pk: p for p in Point.objects.filter(**box)}
    reports = {r.case_id: r for r in Open311Report.objects.filter(**box)}
    live = cases.filter(kind=PATROL, status__in=LIVE, category__name=str(Topic(topic).label)).filter(
        Q(subject_type=SUBJECT, subject_id__in=list(points)) | Q(pk__in=list(reports))
    )
    if exclude is not None:
        live = live.exclude(pk=exclude)
    found = []
    for case in live.select_related("category")[:500]:
        report = reports.get(case.pk)
        if report is not None and report.latitude is not None and report.longitude is not None:
            where = (float(report.latitude), float(report.longitude))
        else:
            point = points.get(case.subject_id or 0)
            if point is None or point.latitude is None or point.longitude is None:
                continue
            where = (float(point.latitude), float(point.longitude))
        d = distance_m(lat, lon, *where)
        if d <= radius_m:
            found.append(Near(case, round(d)))
    found.sort(key=lambda n: (n.distance_m, n.case.received_at))
    return found[:LIMIT]


def nearest_first(points: list[Point], lat: float, lon: float) -> list[tuple[Point, int | None]]:
    """The points by distance from the phone's place (WGS-84), those without coordinates last."""
    measured = [
        (p, round(distance_m(lat, lon, float(p.latitude), float(p.longitude))))
        if p.latitude is not None and p.longitude is not None
        else (p, None)
        for p in points
    ]
    return sorted(measured, key=lambda pd: (pd[1] is None, pd[1] or 0))


def place_from(data: dict[str, str] | object) -> tuple[float, float] | None:
    """`lat` and `long` from a query, when both are there and in range; None otherwise (the list keeps its
    order rather than failing: a phone that gives no location still patrols)."""
    get = getattr(data, "get", None)
    if get is None:
        return None
    try:
        lat, lon = float(get("lat", "")), float(get("long", ""))
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
        return None
    return lat, lon

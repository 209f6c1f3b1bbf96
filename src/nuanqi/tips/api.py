"""/api/v1/tips — public information about rounds (the notice as JSON). No token: a notice is public."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from .models import Round

router = Router(tags=["巡察"], auth=None)


class GroupOut(Schema):
    name: str
    units: list[str]
    phone: str
    email: str
    postal_address: str
    postcode: str


class RoundOut(Schema):
    id: int
    name: str
    window_start: date
    window_end: date
    hours: list[str] = Field(description="工作日受理时段，如 08:30-12:00")
    groups: list[GroupOut]


@router.get("/rounds", response=list[RoundOut], summary="巡察轮次与举报方式（公告）")
def rounds(request: HttpRequest) -> list[RoundOut]:
    out = []
    for r in Round.objects.filter(published=True).prefetch_related("groups__target_units"):
        out.append(
            RoundOut(
                id=r.pk,
                name=r.name,
                window_start=r.window_start,
                window_end=r.window_end,
                hours=r.hours,
                groups=[
                    GroupOut(
                        name=g.label,
                        units=[u.label for u in g.target_units.all()],
                        phone=g.phone,
                        email=g.email,
                        postal_address=g.postal_address,
                        postcode=g.postcode,
                    )
                    for g in sorted(r.groups.all(), key=lambda g: g.number)
                ],
            )
        )
    return out

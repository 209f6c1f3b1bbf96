"""/api/v1/tips — public information about rounds (the notice as JSON, no token: a notice is public), and a
group member's tips as metadata (a token or a session). Content is never served by the API: it opens only
with a member's password, in the web session that the login unlocked."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from nuanqi.cases.errors import NotFound
from nuanqi.columns import CaseNumber

from .access import visible_tips
from .models import Round, Tip


class ErrorOut(Schema):
    error: str
    code: str


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


# ---------------------------------------------------------------- a group's tips, metadata only


class TipOut(Schema):
    number: str
    status: str
    status_label: str
    group: str
    target_unit: str
    disciplines: list[str]
    named: bool
    channel: str
    received_at: datetime


def _member_auth() -> list[Any]:
    from nuanqi.api import BearerToken, SessionAuth

    return [BearerToken(), SessionAuth()]


def _out(tip: Tip) -> TipOut:
    return TipOut(
        number=tip.case.number,
        status=tip.case.status,
        status_label=tip.case.status_label,
        group=tip.group.label,
        target_unit=tip.target_unit.name,
        disciplines=tip.disciplines,
        named=tip.named,
        channel=tip.channel,
        received_at=tip.case.received_at,
    )


@router.get(
    "/items",
    response=list[TipOut],
    auth=_member_auth(),
    summary="本组的举报（仅元数据；内容加密，只能在网页上凭密码解锁后阅读）",
)
def tip_items(request: HttpRequest) -> list[TipOut]:
    return [_out(t) for t in visible_tips(request.user)[:500]]  # type: ignore[arg-type]


@router.get(
    "/items/{number}", response={200: TipOut, 404: ErrorOut}, auth=_member_auth(), summary="一条举报的元数据"
)
def tip_item(request: HttpRequest, number: CaseNumber) -> Any:
    tip = visible_tips(request.user).filter(case__number=number).first()  # type: ignore[arg-type]
    if tip is None:
        raise NotFound("没有这条举报", "not_found")
    return _out(tip)

from __future__ import annotations

from typing import Annotated

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from nuanqi.lib.errors import CaseError

from .models import ApiToken, Unit, User

router = Router(tags=["人员与单位"])


class TokenIn(Schema):
    username: Annotated[str, Field(max_length=150)]
    password: Annotated[str, Field(max_length=128)]
    name: Annotated[str, Field(max_length=100)] = "api"


class UserOut(Schema):
    id: int
    username: str
    name: str
    unit: str | None
    roles: list[str]


class TokenOut(Schema):
    token: str
    user: UserOut


class UnitOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    kind_label: str
    parent_id: int | None
    in_district: bool
    region_code: str


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.pk,
        username=user.username,
        name=str(user),
        unit=user.unit.name if user.unit_id and user.unit else None,
        roles=sorted(user.roles),
    )


class BadCredentials(CaseError):
    status = 401
    code = "bad_credentials"


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: dict[str, str]},
    summary="用户名密码换取访问令牌",
)
def create_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise BadCredentials("用户名或密码错误")
    _token, raw = ApiToken.issue(user, name=payload.name[:60])
    return TokenOut(token=raw, user=user_out(user))


@router.get("/me", response=UserOut, summary="当前用户")
def me(request: HttpRequest) -> UserOut:
    return user_out(request.user)  # type: ignore[arg-type]


@router.get("/units", response=list[UnitOut], summary="单位目录")
def units(request: HttpRequest, kind: Annotated[str, Field(max_length=40)] | None = None) -> list[UnitOut]:
    qs = Unit.objects.filter(active=True)
    if kind:
        qs = qs.filter(kind=kind)
    return [
        UnitOut(
            id=u.pk,
            name=u.name,
            short_name=u.short_name,
            kind=u.kind,
            kind_label=u.get_kind_display(),
            parent_id=u.parent_id,
            in_district=u.in_district,
            region_code=u.region_code,
        )
        for u in qs
    ]

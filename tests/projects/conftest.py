"""The project personas: a programme like 东海百里文廊 with a 马岙段 section of two sites (owned by 区住建局,
the world's `handler`) and a 小沙段 project owned by 区经信局 (`handler2`), on top of the shared world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from nuanqi.projects.models import Programme, Project, ProjectKind, ProjectStatus, Weighting

from ..conftest import World


@dataclass
class Works:
    programme: Programme
    section: Project
    nanfeng: Project
    market: Project
    xiaosha: Project
    bridge: Project


# A plan on the 2023 calendar: 4-24 → 5-12 is 13 working days (劳动节 4-29..5-3 off, Saturday 5-6 worked).
START, END, TODAY = date(2023, 4, 24), date(2023, 5, 12), date(2023, 5, 8)


def leaf(world: World, name: str, owner, money: int, **kw) -> Project:  # type: ignore[no-untyped-def]
    kw.setdefault("start", START)
    kw.setdefault("planned_end", END)
    return Project.objects.create(
        name=name,
        kind=kw.pop("kind", ProjectKind.SITE),
        town=world.town,
        owner_unit=owner,
        investment_planned=Decimal(money),
        status=ProjectStatus.ACTIVE,
        **kw,
    )


@pytest.fixture
def works(world: World) -> Works:
    programme = Programme.objects.create(name="东海百里文廊", weighting=Weighting.INVESTMENT)
    section = leaf(
        world,
        "东海百里文廊马岙段",
        world.zhujian,
        0,
        kind=ProjectKind.SECTION,
        programme=programme,
        theme="千年马岙",
    )
    nanfeng = leaf(
        world, "南风知否", world.zhujian, 3000, programme=programme, parent=section, percent=Decimal(40)
    )
    market = leaf(
        world, "文廊集市", world.zhujian, 1000, programme=programme, parent=section, percent=Decimal(80)
    )
    xiaosha = leaf(
        world, "东海百里文廊小沙段", world.jingxin, 2000, kind=ProjectKind.KEY, programme=programme,
        theme="人文锦沙", percent=Decimal(60),
    )  # fmt: skip
    bridge = leaf(
        world, "白泉镇鸭东线老碶头1号桥扩建工程", world.zhujian, 680, kind=ProjectKind.LIVELIHOOD,
        start=date(2023, 2, 6), planned_end=date(2023, 9, 28),
    )  # fmt: skip
    return Works(programme, section, nanfeng, market, xiaosha, bridge)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"

"""The patrol personas: two points of 环南街道 with their point leaders, on top of the shared world."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from nuanqi.accounts.models import Role, Unit, UnitKind, User
from nuanqi.patrol.models import CheckItem, Point, PointType, Topic

from ..conftest import World, _person


@dataclass
class Patrols:
    town: Unit
    estate: PointType
    door: CheckItem
    verge: CheckItem
    litter: CheckItem
    weihai: Point
    huizhou: Point
    leader: User
    leader2: User


@pytest.fixture
def patrols(world: World) -> Patrols:
    return make_patrols(world)


def make_patrols(world: World) -> Patrols:
    town = Unit.objects.create(name="环南街道", kind=UnitKind.TOWN)
    estate = PointType.objects.create(name="居民小区", sort=1)
    door = CheckItem.objects.create(
        point_type=estate, topic=Topic.FACILITIES, text="网络通信箱等设施完好", sort=1
    )
    verge = CheckItem.objects.create(point_type=estate, topic=Topic.GREENERY, text="绿化带无裸露", sort=2)
    litter = CheckItem.objects.create(point_type=estate, topic=Topic.GARBAGE, text="无垃圾堆放", sort=3)
    leader = _person("pointleader", "点位长壬", Role.POINT_LEADER)
    leader2 = _person("pointleader2", "点位长癸", Role.POINT_LEADER)
    weihai = Point.objects.create(
        name="卫海社区",
        point_type=estate,
        town=town,
        community="卫海社区",
        latitude=Decimal("30.003100"),
        longitude=Decimal("122.112200"),
        leader=leader,
        responsible_unit=world.zhujian,
    )
    huizhou = Point.objects.create(
        name="惠舟社区", point_type=estate, town=town, leader=leader2, responsible_unit=world.jingxin
    )
    return Patrols(town, estate, door, verge, litter, weihai, huizhou, leader, leader2)


def photo(name: str = "现场.jpg", colour: str = "green") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Patrol photos go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"

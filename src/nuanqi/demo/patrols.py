"""The seed's second story: the district secretary inspects 卫海社区 (环南街道), 惠舟社区 (盐仓街道) and
the 万泰·三农汇 market (双桥街道), finds 网络通信箱箱门缺失, 绿化带裸露, 僵尸车 and 垃圾堆放, and orders daily
patrols by point leaders (点位长).
Point leaders' and handlers' names are invented; coordinates are approximate.

Patrols go through `patrol.services.submit_patrol` and the problems through `cases.services.perform`, as if
the point leaders and the office had used the pages."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from nuanqi.accounts.models import Role
from nuanqi.cases.models import Case
from nuanqi.cases.services import attach, perform
from nuanqi.patrol.models import CheckItem, Point, PointType, Topic
from nuanqi.patrol.services import ItemAnswer, submit_patrol

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

    from .world import _World

T = Topic
CHECKLISTS: dict[str, list[tuple[str, str]]] = {
    "居民小区": [
        (T.SANITATION, "楼道及公共区域整洁，无乱堆乱放"),
        (T.GREENERY, "绿化带无裸露、无毁绿种菜"),
        (T.FACILITIES, "网络通信箱等公共设施完好，箱门齐全"),
        (T.PARKING, "车辆有序停放，无僵尸车"),
        (T.GARBAGE, "垃圾分类投放，无垃圾堆放"),
    ],
    "农贸市场": [
        (T.SANITATION, "市场内外地面整洁，无积水"),
        (T.GARBAGE, "垃圾及时清运，无堆放"),
        (T.PARKING, "门前车辆有序停放"),
        (T.FACILITIES, "公示牌、价格牌完好"),
    ],
    "主次干道": [(T.SANITATION, "路面整洁"), (T.FACILITIES, "护栏、路灯完好")],
    "公园广场": [(T.GREENERY, "草坪绿植养护良好"), (T.VOLUNTEERS, "文明劝导志愿者在岗")],
    "背街小巷": [(T.SANITATION, "无乱搭乱建、乱贴乱画"), (T.GARBAGE, "无垃圾堆放")],
}

# (username, invented name, responsible unit): the streets' 经办人 who rectify their points' problems.
STREET_HANDLERS = [
    ("handler_hn", "蒋晓东", "环南街道"),
    ("handler_yc", "孙美玲", "盐仓街道"),
    ("handler_sq", "郑宏伟", "双桥街道"),
]
# (username, invented name, point, type, street, community, latitude, longitude) — WGS-84, approximate.
POINTS = [
    ("pointleader", "林晓燕", "卫海社区", "居民小区", "环南街道", "卫海社区", "30.0022", "122.1128"),
    ("pointleader2", "周海波", "惠舟社区", "居民小区", "盐仓街道", "惠舟社区", "30.0198", "122.0701"),
    ("pointleader3", "陈国平", "万泰·三农汇", "农贸市场", "双桥街道", "", "30.0447", "122.0353"),
]


def _photo(name: str, colour: str) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def _walk(leader: User, point: Point, key: str, failures: dict[str, str]) -> dict[str, Case]:
    """A patrol of `point`: the items whose topic is in `failures` fail with that note and a photo."""
    answers = []
    for item in CheckItem.objects.filter(point_type=point.point_type).order_by("sort"):
        note = failures.get(item.topic, "")
        photo = _photo(f"{note[:12] or item.topic}.jpg", "#7a6a55") if note else None
        answers.append(ItemAnswer(item.pk, "fail" if note else "pass", note, photo))
    patrol, _created = submit_patrol(leader, point.pk, answers, key=key)
    results = patrol.results.select_related("case", "item").filter(case__isnull=False)
    return {r.item.topic: r.case for r in results if r.case is not None}


def _act(case: Case, action: str, actor: User, **data: Any) -> Case:
    case.refresh_from_db()
    return perform(case, action, actor=actor, version=case.version, **data)


def _dispatched(case: Case, office: User) -> Case:
    _act(case, "file", office)
    return _act(case, "dispatch", office, lead_unit=case.lead_unit_id)


def _rectified(case: Case, handler: User, result: str) -> Case:
    evidence = attach(case, [_photo("整改后.jpg", "#4f8a4f")], actor=handler)
    return _act(case, "apply_close", handler, reason=result, attachment_ids=[a.pk for a in evidence])


def build_patrols(w: _World) -> None:
    from .world import _person

    types = {}
    for sort, (name, items) in enumerate(CHECKLISTS.items(), start=1):
        types[name] = PointType.objects.create(name=name, sort=sort)
        for i, (topic, text) in enumerate(items, start=1):
            CheckItem.objects.create(point_type=types[name], topic=topic, text=text, sort=i)
    handlers = {
        unit: _person(w, username, name, (Role.HANDLER,), unit, "城市管理经办人")
        for username, name, unit in STREET_HANDLERS
    }
    points: dict[str, Point] = {}
    leaders: dict[str, User] = {}
    for username, name, point, kind, street, community, lat, lon in POINTS:
        leaders[point] = _person(w, username, name, (Role.POINT_LEADER,), "", "点位长")
        points[point] = Point.objects.create(
            name=point,
            point_type=types[kind],
            town=w.unit(street),
            community=community,
            latitude=Decimal(lat),
            longitude=Decimal(lon),
            leader=leaders[point],
            responsible_unit=w.unit(street),
        )
    office = w.people["dispatcher"]

    # 卫海社区: the secretary's findings; the verge was re-greened and passed 复查, then failed again (复发).
    found = _walk(
        leaders["卫海社区"],
        points["卫海社区"],
        "demo-weihai-1",
        {T.FACILITIES: "3 号楼网络通信箱箱门缺失", T.GREENERY: "小区东侧绿化带裸露约 20 平方米"},
    )
    door, verge = found[T.FACILITIES], found[T.GREENERY]
    _dispatched(door, office)
    _rectified(_dispatched(verge, office), handlers["环南街道"], "已补植麦冬并覆盖")
    _act(verge, "recheck_pass", leaders["卫海社区"])
    _walk(
        leaders["卫海社区"], points["卫海社区"], "demo-weihai-2", {T.GREENERY: "东侧绿化带补植后又被踩踏裸露"}
    )

    # 惠舟社区: a 僵尸车 waiting for 立案, in the ledger with a notice past its period and the owner called.
    zombie = _walk(
        leaders["惠舟社区"],
        points["惠舟社区"],
        "demo-huizhou-1",
        {T.PARKING: "12 幢旁僵尸车一辆，积灰明显，停放超三个月"},
    )[T.PARKING]
    _zombie_car(leaders["惠舟社区"], points["惠舟社区"], zombie)

    # 万泰·三农汇: 垃圾堆放 rectified, waiting for the point leader's 复查; a second try after a failed one.
    garbage = _walk(
        leaders["万泰·三农汇"],
        points["万泰·三农汇"],
        "demo-wantai-1",
        {T.GARBAGE: "市场东门垃圾堆放，未及时清运"},
    )[T.GARBAGE]
    _rectified(_dispatched(garbage, office), handlers["双桥街道"], "已清运")
    _act(garbage, "recheck_fail", leaders["万泰·三农汇"], reason="东门仍有散落垃圾")
    _rectified(garbage, handlers["双桥街道"], "已全部清运并增设垃圾桶")


def _zombie_car(leader: User, point: Point, case: Case) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from nuanqi.patrol import zombies

    today = timezone.localdate()
    car = zombies.register(
        leader,
        {
            "point": point.pk,
            "place": "12 幢旁公共停车位",
            "plate": "浙L3K2M8",
            "description": "银色轿车，积灰明显，两侧轮胎亏气",
            "first_seen": (today - timedelta(days=95)).isoformat(),
            "case": case.number,
        },
    )
    posted = (today - timedelta(days=10)).isoformat()
    zombies.post_notice(
        leader, car.pk, {"notice_posted_on": posted, "notice_days": "7"}, _photo("告知书.jpg", "#f5f0dc")
    )
    zombies.contacted(
        leader, car.pk, {"owner_contacted_on": posted, "owner_contact_note": "已电话联系车主，答应一周内移走"}
    )

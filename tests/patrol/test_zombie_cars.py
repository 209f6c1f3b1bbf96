"""The 僵尸车 ledger: a point leader registers a vehicle at his point, records the notice posted on it (date,
period, photo), the owner contacted and the removal; the list filters and exports as a real workbook; a notice
past its period with the car still there is reminded once, as a 催办 on its problem that reaches the lead
unit; whoever does not see the point gets 404 on the pages, the export and the photo."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from nuanqi.attachments.models import Attachment
from nuanqi.cases.models import Event
from nuanqi.cases.sweeps import sweep
from nuanqi.notify.models import Delivery
from nuanqi.patrol.models import ZombieCar
from nuanqi.patrol.services import ItemAnswer, submit_patrol

from ..cases.helpers import act
from .conftest import photo

URL = "/patrol/zombie-cars/"


def register(c, patrols, **more):
    days_ago = more.pop("days_ago", 40)
    data = {
        "point": patrols.weihai.pk,
        "place": "12 幢旁停车位",
        "plate": "浙L·A1234",
        "description": "白色面包车，积灰明显，轮胎亏气",
        "first_seen": (timezone.localdate() - timedelta(days=days_ago)).isoformat(),
        **more,
    }
    return c.post(URL, data)


def test_a_point_leader_keeps_a_car_from_first_sight_to_removal(world, patrols):
    c = world.client(patrols.leader)
    r = register(c, patrols)
    assert r.status_code == 302, r.content.decode()
    car = ZombieCar.objects.get()
    assert (car.plate, car.point, car.created_by) == ("浙LA1234", patrols.weihai, patrols.leader)
    page = r["Location"]
    posted = (timezone.localdate() - timedelta(days=20)).isoformat()
    r = c.post(
        page, {"step": "notice", "notice_posted_on": posted, "notice_days": "7", "photo": photo("告知书.jpg")}
    )
    assert r.status_code == 302
    r = c.post(page, {"step": "contacted", "owner_contacted_on": posted, "owner_contact_note": "电话未接通"})
    assert r.status_code == 302
    html = c.get(page).content.decode()
    assert "已期满，车辆仍未移走" in html and "电话未接通" in html and "告知书照片 1" in html
    assert "告知期满未移走" in c.get(URL, {"state": "expired"}).content.decode()
    r = c.post(
        page, {"step": "removed", "removed_on": timezone.localdate().isoformat(), "removed_how": "towed"}
    )
    assert r.status_code == 302
    car.refresh_from_db()
    assert car.removed_on == timezone.localdate() and car.get_removed_how_display() == "拖移"
    assert "浙LA1234" not in c.get(URL, {"state": "standing"}).content.decode()
    assert "浙LA1234" in c.get(URL, {"state": "removed"}).content.decode()


@pytest.mark.parametrize(
    ("more", "words"),
    [
        ({"plate": "ABC"}, "车牌号“ABC”格式不正确"),
        ({"description": ""}, "请填写车辆描述"),
        ({"days_ago": -3}, "不能晚于今天"),
        ({"first_seen": "上周"}, "应为日期"),
        ({"case": "XC2026-999999"}, "找不到巡查问题"),
    ],
)
def test_bad_entries_are_refused_in_chinese_and_nothing_kept(world, patrols, more, words):
    r = register(world.client(patrols.leader), patrols, **more)
    assert r.status_code == 400 and words in r.content.decode()
    assert not ZombieCar.objects.exists()


def test_a_step_with_bad_input_changes_nothing(world, patrols):
    c = world.client(patrols.leader)
    register(c, patrols, days_ago=5)
    car = ZombieCar.objects.get()
    page = f"{URL}{car.pk}/"
    early = (timezone.localdate() - timedelta(days=9)).isoformat()
    r = c.post(page, {"step": "notice", "notice_posted_on": early, "notice_days": "7", "photo": photo()})
    assert r.status_code == 400 and "不能早于首次发现日期" in r.content.decode()
    r = c.post(
        page, {"step": "notice", "notice_posted_on": timezone.localdate().isoformat(), "notice_days": "7"}
    )
    assert r.status_code == 400 and "请上传告知书张贴照片" in r.content.decode()
    r = c.post(
        page, {"step": "removed", "removed_on": timezone.localdate().isoformat(), "removed_how": "burnt"}
    )
    assert r.status_code == 400 and "处置方式须为" in r.content.decode()
    car.refresh_from_db()
    assert car.notice_posted_on is None and car.removed_on is None


def test_the_export_is_a_real_workbook_of_the_filtered_list(world, patrols):
    c = world.client(patrols.leader)
    register(c, patrols)
    register(c, patrols, plate="", description="无牌摩托车")
    r = c.get("/patrol/zombie-cars.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content)))["僵尸车台账"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("车牌号", "车辆描述", "街道")
    assert sorted(row[0] for row in rows[1:]) == ["无牌", "浙LA1234"]
    assert {row[13] for row in rows[1:]} == {"未移走"}


def test_an_expired_notice_is_reminded_once_as_a_催办_that_reaches_the_lead_unit(world, patrols):
    answers = [
        ItemAnswer(patrols.door.pk, "pass"),
        ItemAnswer(patrols.verge.pk, "pass"),
        ItemAnswer(patrols.litter.pk, "fail", "12 幢旁僵尸车一辆", photo()),
    ]
    patrol, _ = submit_patrol(patrols.leader, patrols.weihai.pk, answers, key="z1")
    case = patrol.results.get(outcome="fail").case
    act(case, "file", world.dispatcher)
    act(case, "dispatch", world.dispatcher, lead_unit=world.zhujian.pk)
    c = world.client(patrols.leader)
    register(c, patrols, case=case.number)
    car = ZombieCar.objects.get()
    posted = (timezone.localdate() - timedelta(days=8)).isoformat()
    c.post(
        f"{URL}{car.pk}/",
        {"step": "notice", "notice_posted_on": posted, "notice_days": "7", "photo": photo()},
    )

    assert sweep().raised["zombie_notice"] == 1
    event = Event.objects.filter(case=case, action="remind").get()
    assert event.actor is None and "僵尸车告知书已于" in event.reason
    assert Delivery.objects.filter(event=event, recipient=world.handler).exists()
    assert sweep().raised["zombie_notice"] == 0  # once per notice


def test_a_notice_within_its_period_is_not_reminded(world, patrols):
    c = world.client(patrols.leader)
    register(c, patrols)
    car = ZombieCar.objects.get()
    posted = (timezone.localdate() - timedelta(days=3)).isoformat()
    c.post(
        f"{URL}{car.pk}/",
        {"step": "notice", "notice_posted_on": posted, "notice_days": "7", "photo": photo()},
    )
    assert sweep().raised["zombie_notice"] == 0


def test_people_who_do_not_see_the_point_get_404_on_pages_export_and_photo(world, patrols):
    c = world.client(patrols.leader)
    register(c, patrols)
    car = ZombieCar.objects.get()
    posted = timezone.localdate().isoformat()
    c.post(
        f"{URL}{car.pk}/",
        {"step": "notice", "notice_posted_on": posted, "notice_days": "7", "photo": photo()},
    )
    photo_id = Attachment.objects.get(owner_type=ContentType.objects.get_for_model(ZombieCar)).pk
    # The responsible unit's handler sees it; the office too.
    assert world.client(world.handler).get(f"{URL}{car.pk}/").status_code == 200
    assert world.client(world.dispatcher).get(f"/files/{photo_id}/thumbnail/").status_code == 200
    for person in (world.outsider, world.company, world.handler2, patrols.leader2, world.commissioner):
        other = world.client(person)
        assert other.get(f"{URL}{car.pk}/").status_code == 404, person
        assert other.post(f"{URL}{car.pk}/", {"step": "removed"}).status_code == 404, person
        assert other.get(f"/files/{photo_id}/").status_code == 404, person
        if person in (world.outsider, world.company, world.commissioner):
            assert other.get(URL).status_code == 404
            assert other.get("/patrol/zombie-cars.xlsx").status_code == 404
    assert "浙LA1234" not in world.client(patrols.leader2).get(URL).content.decode()
    assert Client().get(URL).status_code == 302


def test_a_leader_reads_the_ledger_but_does_not_keep_it(world, patrols):
    register(world.client(patrols.leader), patrols)
    car = ZombieCar.objects.get()
    c = world.client(world.leader)
    assert c.get(f"{URL}{car.pk}/").status_code == 200
    r = c.post(
        f"{URL}{car.pk}/",
        {"step": "removed", "removed_on": timezone.localdate().isoformat(), "removed_how": "towed"},
    )
    assert r.status_code == 404
    car.refresh_from_db()
    assert car.removed_on is None

"""The public notice of a round is rendered from data and reproduces the seed's table cell by cell."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from nuanqi.accounts.models import Unit, UnitKind
from nuanqi.lib.cnnum import chinese_numeral
from nuanqi.tips.models import InspectionGroup, Round

# The seed's table (定海, 2023-03-30), one row a group: 组别, 被巡察单位, 举报电话及受理时间, 联系邮箱.
SEED_TABLE = [
    [
        "区委第一巡察组",
        "区发改局",
        "举报电话：18058081373 受理时间：2023年3月27日至2023年5月10日 工作日上午8:30-12:00 下午14:00-17:00",
        "1.邮政邮箱：定海区昌国路61号区委巡察办转区委第一巡察组（邮政编码：316000） "
        "2.电子邮箱：dhxcjb1@163.com",
    ],
    [
        "区委第二巡察组",
        "区财政局",
        "举报电话：18058081375 受理时间：2023年3月27日至2023年5月10日 工作日上午8:30-12:00 下午14:00-17:00",
        "1.邮政邮箱：定海区昌国路61号区委巡察办转区委第二巡察组（邮政编码：316000） "
        "2.电子邮箱：dhxcjb2@163.com",
    ],
    [
        "区委第三巡察组",
        "区住建局",
        "举报电话：18058081376 受理时间：2023年3月27日至2023年5月10日 工作日上午8:30-12:00 下午14:00-17:00",
        "1.邮政邮箱：定海区昌国路61号区委巡察办转区委第三巡察组（邮政编码：316000） "
        "2.电子邮箱：dhxcjb3@163.com",
    ],
]


@pytest.fixture
def seed_round(db) -> Round:
    r = Round.objects.create(
        term="十四届区委",
        round_no=4,
        batch_no=2,
        window_start=date(2023, 3, 27),
        window_end=date(2023, 5, 10),
        sessions=[["08:30", "12:00"], ["14:00", "17:00"]],
    )
    for n, (short, phone) in enumerate(
        [("区发改局", "18058081373"), ("区财政局", "18058081375"), ("区住建局", "18058081376")], start=1
    ):
        unit = Unit.objects.create(name=f"定海{short[1:]}", short_name=short, kind=UnitKind.DEPARTMENT)
        g = InspectionGroup.objects.create(
            round=r,
            number=n,
            phone=phone,
            email=f"dhxcjb{n}@163.com",
            postal_address=f"定海区昌国路61号区委巡察办转区委第{chinese_numeral(n)}巡察组",
            postcode="316000",
        )
        g.target_units.add(unit)
    return r


def _table(html: str) -> list[list[str]]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    cell = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
    return [
        [" ".join(re.sub(r"<[^>]+>", "", unescape(c)).split()) for c in cell.findall(row)] for row in rows
    ]


def test_the_round_is_named_as_the_seed_names_it(seed_round):
    assert seed_round.name == "十四届区委第四轮第二批巡察"
    assert [chinese_numeral(n) for n in (1, 10, 14, 20, 21)] == ["一", "十", "十四", "二十", "二十一"]


def test_the_notice_page_reproduces_the_seed_table_cell_by_cell(seed_round):
    page = Client().get(f"/tips/notice/{seed_round.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert _table(html) == SEED_TABLE
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert "对区发改局、区财政局、区住建局3个单位党组织进行常规巡察" in text
    assert "近5年以来调离、退休、退二线的原领导班子成员" in text
    assert "12388" in text  # the window is over: the standing channel is named


def test_the_json_notice_has_the_seed_data(seed_round):
    rounds = Client().get("/api/v1/tips/rounds").json()
    got = next(r for r in rounds if r["id"] == seed_round.pk)
    assert got["name"] == "十四届区委第四轮第二批巡察"
    assert (got["window_start"], got["window_end"]) == ("2023-03-27", "2023-05-10")
    assert got["hours"] == ["08:30-12:00", "14:00-17:00"]
    assert [
        (g["name"], g["units"], g["phone"], g["email"], g["postal_address"], g["postcode"])
        for g in got["groups"]
    ] == [
        (
            row[0],
            [row[1]],
            row[2].split("：")[1].split()[0],
            f"dhxcjb{i}@163.com",
            f"定海区昌国路61号区委巡察办转{row[0]}",
            "316000",
        )
        for i, row in enumerate(SEED_TABLE, start=1)
    ]


def test_the_current_notice_lists_only_rounds_open_or_to_come(seed_round):
    today = timezone.localdate()
    open_now = Round.objects.create(
        term="十四届区委",
        round_no=7,
        window_start=today - timedelta(days=3),
        window_end=today + timedelta(days=30),
    )
    html = Client().get("/tips/notice/").content.decode()
    assert open_now.name in html and seed_round.name not in html
    assert Client().get("/tips/notice/999999/").status_code == 404
    hidden = Round.objects.create(
        term="十四届区委", round_no=8, window_start=today, window_end=today, published=False
    )
    assert Client().get(f"/tips/notice/{hidden.pk}/").status_code == 404

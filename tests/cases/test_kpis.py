"""KPI definitions (docs/kpis.md) on a hand-built week of cases whose rates are worked out by hand below."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from nuanqi.calendars.services import current_calendar
from nuanqi.cases import kpis
from nuanqi.cases.errors import Invalid
from nuanqi.cases.models import Case

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2023, 4, 6, 12, 0, tzinfo=TZ)
WEEK = (date(2023, 3, 27), date(2023, 3, 31))


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2023, month, day, hour, minute, tzinfo=TZ)


def _case(world, n: int, company, unit, **fields) -> Case:
    defaults = {
        "number": f"QY2023-{n:06d}",
        "kind": "request",
        "title": f"测试事项 {n}",
        "subject_type": "company",
        "subject_id": company.pk,
        "subject_label": company.name,
        "lead_unit": unit,
        "status": "rated",
    }
    defaults.update(fields)
    if defaults.get("satisfaction") and defaults.get("resolved_at") and "rated_at" not in defaults:
        defaults["rated_at"] = defaults["resolved_at"] + timedelta(hours=2)  # the rating follows the result
    return Case.objects.create(**defaults)


@pytest.fixture
def week(world):
    """Six cases received in the week of 2023-03-27 (and one the week before, which must not count).

    | # | unit | signed        | resolved          | rating     | other                 |
    | 1 | 住建 | on time       | 3-29, on time     | 满意       |                       |
    | 2 | 住建 | late          | 4-03, late        | 基本满意   |                       |
    | 3 | 住建 | on time       | —  (due 3-30)     | —          | 延期 3 天, overdue     |
    | 4 | 住建 | on time       | 3-31, on time     | 不满意     | 重办 once             |
    | 5 | 经信 | —             | —                 | —          | 退单, waiting          |
    | 6 | 经信 | on time       | 3-31 same day     | not rated  |                       |
    """
    w = world
    hk, ch = w.huakang, w.changhong
    _case(
        w,
        1,
        hk,
        w.zhujian,
        received_at=at(3, 27),
        dispatched_at=at(3, 27, 9, 30),
        sign_due=at(3, 27, 11),
        signed_at=at(3, 27, 10),
        resolve_due=at(3, 31, 17),
        resolved_at=at(3, 29, 10),
        satisfaction="satisfied",
    )
    _case(
        w,
        2,
        hk,
        w.zhujian,
        received_at=at(3, 27, 14),
        dispatched_at=at(3, 27, 14, 30),
        sign_due=at(3, 27, 16),
        signed_at=at(3, 28, 9),
        resolve_due=at(3, 31, 17),
        resolved_at=at(4, 3, 10),
        satisfaction="basic",
    )
    _case(
        w,
        3,
        hk,
        w.zhujian,
        received_at=at(3, 28),
        dispatched_at=at(3, 28, 10),
        sign_due=at(3, 28, 14),
        signed_at=at(3, 28, 11),
        resolve_due=at(3, 30, 17),
        status="in_progress",
        extension_days=3,
    )
    _case(
        w,
        4,
        ch,
        w.zhujian,
        received_at=at(3, 29),
        dispatched_at=at(3, 29, 10),
        sign_due=at(3, 29, 14),
        signed_at=at(3, 29, 11),
        resolve_due=at(4, 5, 17),
        resolved_at=at(3, 31, 10),
        satisfaction="unsatisfied",
        reopen_count=1,
    )
    _case(
        w,
        5,
        ch,
        w.jingxin,
        received_at=at(3, 30),
        resolve_due=at(4, 7, 17),
        status="accepted",
        return_count=1,
    )
    _case(
        w,
        6,
        ch,
        w.jingxin,
        received_at=at(3, 31),
        dispatched_at=at(3, 31, 9, 10),
        sign_due=at(3, 31, 11),
        signed_at=at(3, 31, 9, 30),
        resolve_due=at(4, 7, 17),
        resolved_at=at(3, 31, 16),
        status="visiting",
    )
    _case(
        w,
        7,
        hk,
        w.zhujian,
        received_at=at(3, 24),
        dispatched_at=at(3, 24, 10),
        signed_at=at(3, 24, 11),
        resolve_due=at(3, 30, 17),
        resolved_at=at(3, 24, 16),
        satisfaction="unsatisfied",
    )
    return w


def test_the_totals_of_the_week_match_the_rates_worked_out_by_hand(week, django_assert_max_num_queries):
    current_calendar(force=True)  # the calendar is cached per process; its own queries are not the KPIs'
    with django_assert_max_num_queries(2):
        k = kpis.total(Case.objects.all(), *WEEK, now=NOW)
    assert k.received == 6  # case 7 was received the week before
    assert k.rates["sign_on_time"] == round(4 / 5, 4)  # 5 signed (not #5), #2 late
    assert k.rates["resolve_on_time"] == round(3 / 4, 4)  # resolved 1, 2, 4, 6; #2 late
    assert k.rates["resolve"] == round(4 / 6, 4)
    assert k.rates["satisfaction"] == round(2 / 3, 4)  # rated 1 满意, 2 基本满意, 4 不满意
    assert k.rates["rating"] == round(3 / 4, 4)  # 3 of the 4 resolved were rated
    assert k.rates["return"] == round(1 / 6, 4)  # #5 returned; 5 others dispatched
    assert k.rates["extension"] == round(1 / 6, 4)
    assert k.rates["reopen"] == round(1 / 4, 4)
    assert (k.open, k.overdue) == (2, 1)  # #3 and #5 open; #3 past its 3-30 deadline
    # Working days after the receipt day up to the resolve day: #1 2 (3-28, 3-29), #2 5 (3-28 … 3-31, 4-03:
    # the weekend does not count), #4 2, #6 0 → 9 / 4.
    assert k.avg_days == 2.25


def test_by_unit_splits_the_same_figures_and_names_each_unit(week, django_assert_max_num_queries):
    current_calendar(force=True)
    with django_assert_max_num_queries(3):
        rows = {k.name: k for k in kpis.compute(Case.objects.all(), *WEEK, "unit", now=NOW)}
    zj, jx = rows["区住建局"], rows["区经信局"]
    assert (zj.received, zj.resolved, jx.received, jx.resolved) == (4, 3, 2, 1)
    assert zj.rates["resolve_on_time"] == round(2 / 3, 4)
    assert zj.rates["sign_on_time"] == 0.75
    assert jx.rates["return"] == 0.5
    assert jx.rates["satisfaction"] is None  # nothing rated: no rate, not 0


def test_by_town_and_commissioner_follow_the_company_of_each_case(week):
    towns = {k.name: k.received for k in kpis.compute(Case.objects.all(), *WEEK, "town", now=NOW)}
    assert towns == {"白泉镇": 3, "（未指定）": 3}  # 长宏 has no town in the personas
    people = {k.name: k.received for k in kpis.compute(Case.objects.all(), *WEEK, "commissioner", now=NOW)}
    assert people == {"专员丙": 3, "专员丁": 3}


def test_by_month_and_channel(week):
    months = kpis.compute(Case.objects.all(), date(2023, 3, 1), date(2023, 4, 30), "month", now=NOW)
    assert [(k.key, k.name, k.received) for k in months] == [(date(2023, 3, 1), "2023年3月", 7)]
    channels = kpis.compute(Case.objects.all(), *WEEK, "channel", now=NOW)
    assert [(k.name, k.received) for k in channels] == [("企业求助", 6)]


def test_the_red_and_black_list_ranks_only_units_with_enough_cases(week):
    r = kpis.ranking(Case.objects.all(), *WEEK, now=NOW)
    # 住建: 0.15 + 0.35 × 2/3 (按时办结) + 0.30 × 2/3 (满意) + 0.20 × 3/4 (及时签收) − 0.15 × 0 (退单)
    assert [(k.name, k.score) for k in r.all] == [("区住建局", 73.3)]
    # #3 is overdue: 住建 cannot be on the red list and heads the black list; 经信 (2 cases) is not ranked.
    assert r.red == []
    assert [k.name for k in r.black] == ["区住建局"]


def test_an_empty_period_has_no_rates_rather_than_zero(world):
    k = kpis.total(Case.objects.all(), *WEEK)
    assert k.received == 0
    assert all(v is None for v in k.rates.values())


def test_an_unknown_dimension_or_a_reversed_period_is_refused(world):
    with pytest.raises(Invalid) as exc:
        kpis.compute(Case.objects.all(), *WEEK, "colour")
    assert exc.value.code == "invalid_dimension"
    with pytest.raises(Invalid):
        kpis.compute(Case.objects.all(), date(2023, 4, 1), date(2023, 3, 1))


def test_the_roll_up_gives_the_per_case_figures_for_every_dimension(week):
    from nuanqi.cases import rollup

    # Cases written around the writer (as here) are not in the roll-up: it declines rather than undercounts.
    assert rollup.read(*WEEK, now=NOW) is None
    rollup.rebuild()
    span = (date(2023, 3, 1), date(2023, 4, 30))
    for by in [None, *kpis.dimensions()]:
        for period in (WEEK, span):
            got = rollup.read(*period, by, now=NOW)
            assert got is not None
            want = kpis.compute(Case.objects.all(), *period, by, now=NOW)
            assert [k.as_dict() for k in got] == [k.as_dict() for k in want], by

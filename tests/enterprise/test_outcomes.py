"""Outcomes: figures per period, compared before and after the commissioner arrived; projects' milestones
ahead of or behind plan."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from nuanqi.cases.errors import Forbidden, Invalid
from nuanqi.enterprise.models import Indicator
from nuanqi.enterprise.outcomes import compare_company, compare_programme, period_bounds, record_indicator
from nuanqi.enterprise.records import create_project, set_milestone

pytestmark = pytest.mark.django_db


def test_periods_are_normalised_to_their_bounds():
    assert period_bounds("quarter", date(2023, 5, 17)) == (date(2023, 4, 1), date(2023, 6, 30))
    assert period_bounds("month", date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert period_bounds("year", date(2022, 7, 1)) == (date(2022, 1, 1), date(2022, 12, 31))


def test_before_is_the_last_period_ended_before_dispatch_and_after_the_latest_one_since(world):
    # The world's commissioner was dispatched to 华康 on 2023-01-29.
    for year, output, accidents in ((2021, 9000, 2), (2022, 10000, 3), (2023, 23000, 0)):
        record_indicator(world.huakang, "output", "year", date(year, 1, 1), output, actor=world.admin)
        record_indicator(world.huakang, "accidents", "year", date(year, 1, 1), accidents, actor=world.admin)
    by = {c.metric: c for c in compare_company(world.huakang)}
    assert (by["output"].before, by["output"].after) == (Decimal(10000), Decimal(23000))
    assert by["output"].change_pct == 130.0 and by["output"].text == "增长130%"
    assert (by["output"].before_period, by["output"].after_period) == ("2022年", "2023年")
    assert by["accidents"].text == "由3起降为0起"
    programme = {o["metric"]: o for o in compare_programme()}
    assert programme["output"]["change_pct"] == 130.0 and programme["output"]["companies"] == 1


def test_a_correction_replaces_the_figure_of_the_period(world):
    record_indicator(world.huakang, "tax", "quarter", date(2023, 2, 1), 10, actor=world.commissioner)
    record_indicator(world.huakang, "tax", "quarter", date(2023, 3, 31), 12, actor=world.company)
    assert Indicator.objects.get().value == 12


def test_only_the_office_the_commissioner_or_the_company_enter_figures(world):
    with pytest.raises(Forbidden):
        record_indicator(world.huakang, "tax", "year", date(2023, 1, 1), 1, actor=world.commissioner2)
    with pytest.raises(Invalid):
        record_indicator(world.huakang, "tax", "year", date(2023, 1, 1), -1, actor=world.admin)
    with pytest.raises(Invalid):
        record_indicator(world.huakang, "利润", "year", date(2023, 1, 1), 1, actor=world.admin)
    assert Indicator.objects.count() == 0


def test_milestones_show_days_ahead_or_behind_plan(world):
    today = timezone.localdate()
    p = create_project(
        world.huakang,
        name="生产车间项目",
        investment=28000,
        plan={
            "开工": date(2023, 6, 1),
            "投产": today - timedelta(days=10),
            "竣工验收": today + timedelta(days=30),
        },
        actor=world.commissioner,
    )
    set_milestone(p, "start", actor=world.commissioner, actual_on=date(2023, 5, 20))
    ms = {m.stage: m for m in p.milestones.all()}
    assert len(ms) == 8
    assert ms["start"].days_ahead == 12  # 提前开工 12 天
    assert ms["production"].days_ahead == -10  # not yet, 10 days past plan
    assert ms["acceptance"].days_ahead is None
    with pytest.raises(Invalid):
        set_milestone(p, "投产", actor=world.commissioner, actual_on=today + timedelta(days=1))
    with pytest.raises(Forbidden):
        set_milestone(p, "投产", actor=world.commissioner2, actual_on=today)


def test_the_company_page_shows_outcomes_and_the_api_compares(world):
    record_indicator(world.huakang, "output", "year", date(2022, 1, 1), 100, actor=world.admin)
    record_indicator(world.huakang, "output", "year", date(2023, 1, 1), 230, actor=world.admin)
    body = world.client(world.commissioner).get(f"/companies/{world.huakang.pk}/").content.decode()
    assert "增长130%" in body
    r = world.client(world.company).get(f"/api/v1/companies/{world.huakang.pk}/indicators")
    assert r.json()["comparison"][0]["change_pct"] == 130.0
    r = world.client(world.company).post(
        f"/api/v1/companies/{world.huakang.pk}/indicators",
        {"metric": "用工人数", "period_kind": "年度", "period_start": "2023-01-01", "value": "88"},
        content_type="application/json",
    )
    assert r.status_code == 201
    r = world.client(world.outsider).get(f"/api/v1/companies/{world.huakang.pk}/indicators")
    assert r.status_code == 404

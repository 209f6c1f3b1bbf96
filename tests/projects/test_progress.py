"""A project's light is the 序时进度 computed by hand (working days, a stoppage stops the clock), and a
programme's roll-up is its children's, weighted by planned investment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from nuanqi.cases.errors import Forbidden, Invalid
from nuanqi.projects.editing import replan
from nuanqi.projects.models import LightRule, ProjectStatus, Stoppage
from nuanqi.projects.services import (
    post_report,
    programme_tree,
    project_progress,
    resume,
    stop,
    walk,
)

from .conftest import TODAY


def test_a_projects_light_is_the_hand_computed_working_day_plan(world, works):
    # 9 of 13 working days elapsed on 5-8 → 69.2 %; reported 40 → 29.2 points behind → yellow;
    # 40 % needs ⌈5.2⌉ = 6 days → 3 working days late.
    p = project_progress(works.nanfeng, TODAY)
    assert (p.planned, p.gap, p.light, p.slip_days) == (69.2, 29.2, "yellow", 3)


def test_a_stoppage_over_the_days_after_the_holiday_stops_the_clock(world, works):
    Stoppage.objects.create(
        project=works.nanfeng, start=date(2023, 5, 4), end=date(2023, 5, 6), reason="台风停工"
    )
    # 4-24..4-28 (5) + 5-8 (1) = 6 of 13 → 46.2 %; gap 6.2 → green; 40 % needs 6 days → 0 late.
    p = project_progress(works.nanfeng, TODAY)
    assert (p.elapsed_days, p.planned, p.gap, p.light, p.slip_days) == (6, 46.2, 6.2, "green", 0)


def test_the_thresholds_come_from_the_admins_rule(world, works):
    LightRule.objects.create(yellow=5, red=20, not_started_months=3)
    assert project_progress(works.nanfeng, TODAY).light == "red"


def test_a_programmes_roll_up_equals_its_childrens_weighted_by_investment(world, works):
    root = programme_tree(works.programme, TODAY)
    section, xiaosha = root.children
    # 马岙段: (40×3000 + 80×1000) / 4000 = 50 %; planned 69.2 on both sites → 69.2.
    assert (section.name, section.percent, section.planned, section.light) == (
        "东海百里文廊马岙段",
        50.0,
        69.2,
        "yellow",
    )
    assert section.theme == "千年马岙" and [c.name for c in section.children] == ["南风知否", "文廊集市"]
    # The programme: 马岙段 weighs its sites' 4000, 小沙段 2000 → (50×4000 + 60×2000) / 6000 = 53.3 %.
    assert xiaosha.percent == 60.0 and root.percent == 53.3
    assert root.percent == round((section.percent * 4000 + xiaosha.percent * 2000) / 6000, 1)
    assert [n.name for _d, n in walk(root)][1:] == [
        "东海百里文廊马岙段",
        "南风知否",
        "文廊集市",
        "东海百里文廊小沙段",
    ]


def test_a_report_moves_the_project_and_its_programme(world, works):
    post_report(works.market, percent="100", text="集市建成开放", actor=world.handler)
    works.market.refresh_from_db()
    assert works.market.percent == Decimal("100.0") and works.market.status == ProjectStatus.DONE
    section = programme_tree(works.programme, TODAY).children[0]
    assert section.percent == 55.0  # (40×3000 + 100×1000) / 4000


@pytest.mark.parametrize(
    ("percent", "code"),
    [
        ("101", "invalid_number"),
        ("-1", "invalid_number"),
        ("五十", "invalid_number"),
        ("NaN", "invalid_number"),
    ],
)
def test_a_bad_percent_is_refused_and_changes_nothing(world, works, percent, code):
    with pytest.raises(Invalid) as exc:
        post_report(works.nanfeng, percent=percent, text="进展", actor=world.handler)
    assert exc.value.code == code and exc.value.message == "形象进度须为 0–100 的数字"
    works.nanfeng.refresh_from_db()
    assert works.nanfeng.percent == Decimal(40) and not works.nanfeng.reports.exists()


def test_only_the_owner_unit_reports_and_sections_are_rolled_up_not_reported(world, works):
    with pytest.raises(Forbidden):
        post_report(works.nanfeng, percent=50, text="进展", actor=world.handler2)
    with pytest.raises(Invalid) as exc:
        post_report(works.section, percent=50, text="进展", actor=world.handler)
    assert exc.value.code == "rolled_up"


def test_stop_and_resume_keep_the_stoppage_and_the_status(world, works):
    stop(works.bridge, on=date(2023, 5, 4), reason="汛期停工", actor=world.handler)
    works.bridge.refresh_from_db()
    assert works.bridge.status == ProjectStatus.STOPPED
    with pytest.raises(Invalid):
        stop(works.bridge, on=date(2023, 5, 5), reason="again", actor=world.handler)
    s = resume(works.bridge, on=date(2023, 5, 8), actor=world.handler)
    assert s.end == date(2023, 5, 7)
    works.bridge.refresh_from_db()
    assert works.bridge.status == ProjectStatus.ACTIVE


def test_replanning_keeps_the_old_baseline_visible(world, works):
    from nuanqi.projects.services import freeze_baseline

    freeze_baseline(works.bridge, approved_on=date(2023, 1, 20), note="年度计划")
    replan(
        works.bridge,
        planned_end=date(2023, 10, 20),
        approved_on=date(2023, 6, 1),
        note="汛期顺延",
        actor=world.admin,
    )
    ends = [b.planned_end for b in works.bridge.baselines.all()]
    assert ends == [date(2023, 9, 28), date(2023, 10, 20)]
    with pytest.raises(Forbidden):
        replan(
            works.bridge,
            planned_end=date(2023, 11, 1),
            approved_on=date(2023, 6, 2),
            note="x",
            actor=world.handler,
        )

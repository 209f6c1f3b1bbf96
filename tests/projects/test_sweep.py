"""The worker's sweep warns once when a project's light turns worse: a `project` case for the owner unit,
filed by the system, reaching people through the engine's notifications."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from nuanqi.cases.models import Case, Event
from nuanqi.cases.sweeps import sweep
from nuanqi.projects.services import post_report

# 2023-05-08 10:00: 南风知否 (40 %) is 29.2 points behind, yellow; 文廊集市 (80 %) is ahead, green.
NOW = datetime(2023, 5, 8, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_light_turning_yellow_files_one_warning_for_the_owner(world, works):
    result = sweep(NOW)
    warnings = Case.objects.filter(kind="project", title__startswith="序时进度")
    assert result.raised["project_lights"] == warnings.count()
    nanfeng = warnings.get(subject_id=works.nanfeng.pk)
    assert nanfeng.title == "序时进度黄灯：南风知否" and nanfeng.lead_unit == world.zhujian
    assert "落后 29.2 个百分点" in nanfeng.description and "滞后 3 个工作日" in nanfeng.description
    assert Event.objects.get(case=nanfeng, action="create").actor_name == "系统"
    assert not warnings.filter(subject_id=works.market.pk).exists()
    # The same day again, and the next pass: nothing new.
    assert sweep(NOW).raised["project_lights"] == 0
    assert warnings.count() == result.raised["project_lights"]


def test_a_report_is_looked_at_again_and_a_worse_light_warns_again(world, works):
    sweep(NOW)
    post_report(works.nanfeng, percent=30, text="受雨天影响", actor=world.handler)  # 39.2 behind: red
    assert sweep(NOW).raised["project_lights"] == 1
    assert Case.objects.filter(title="序时进度红灯：南风知否").count() == 1

"""What a new district starts with: the enterprise requests' five 大类 and their 小项, the time limits of
舟山12345, and the standard working hours. A data migration puts them into a new database; `nuanqi init` puts
back any that are missing (an office that deleted a row by mistake), never changing or duplicating a row
that is there. Both go through `ensure(apps)` with the models of the moment (historical ones in the
migration)."""

from __future__ import annotations

from typing import Any

# The seed's 5 大类 (资源制约 → 要素保障; the last two are our guess) and their 小项.
CATEGORIES: dict[str, list[str]] = {
    "要素保障": ["用地", "用电", "用水用气", "用工", "融资", "物流运输", "海域岸线"],
    "政府审批": ["项目立项", "环评", "能评", "施工许可", "竣工验收", "合规证明", "资质许可"],
    "安全环保": ["安全生产", "环保整改", "消防", "职业健康", "危化品管理"],
    "政策兑现": ["资金补助", "税收优惠", "人才政策", "稳岗就业", "技改补贴"],
    "经营发展": ["市场拓展", "招商引资", "转型升级", "产值统计", "企业文化", "知识产权"],
}

_BASIS = "舟山12345政务服务热线办理时限"
# (nature or "" for any, priority or None for any, sign hours, first-contact hours, resolve days, basis)
SLA_POLICIES: list[tuple[str, int | None, float, float, int, str]] = [
    ("consult", None, 2, 4, 3, f"{_BASIS}：咨询类 3 个工作日办结"),
    ("help", None, 2, 4, 5, f"{_BASIS}：求助类（一般事项）5 个工作日办结"),
    ("complaint", None, 2, 4, 7, f"{_BASIS}：投诉类（复杂事项）7 个工作日办结"),
    ("", 1, 1, 2, 3, "重要且紧急（P1）：1 个工作小时内签收、2 个工作小时内联系企业、3 个工作日办结"),
    # A nature row outranks a priority-only row, so the common natures carry their own P1 row.
    ("help", 1, 1, 2, 3, "求助类 P1（重要且紧急）：按主次缓急优先办理，3 个工作日办结"),
    ("complaint", 1, 1, 2, 3, "投诉类 P1（重要且紧急）：按主次缓急优先办理，3 个工作日办结"),
]

# The standard working day of a district office (MISSION §2: 08:30–12:00, 14:00–17:00).
SCHEDULE_NAME = "标准作息"
SCHEDULE_SESSIONS = "08:30-12:00, 14:00-17:00"


def ensure(apps: Any = None) -> dict[str, int]:
    """Create the default rows that are missing; returns how many of each were created."""
    if apps is None:
        from django.apps import apps as live

        apps = live
    category = apps.get_model("cases", "Category")
    sla = apps.get_model("cases", "SlaPolicy")
    schedule = apps.get_model("calendars", "WorkSchedule")
    created = {"categories": 0, "sla": 0, "schedules": 0}
    for top_sort, (top_name, leaves) in enumerate(CATEGORIES.items(), start=1):
        top, made = category.objects.get_or_create(
            kind="request", name=top_name, parent=None, defaults={"sort": top_sort}
        )
        created["categories"] += made
        for sort, leaf in enumerate(leaves, start=1):
            _row, made = category.objects.get_or_create(
                kind="request", name=leaf, parent=top, defaults={"sort": sort}
            )
            created["categories"] += made
    for nature, priority, sign, contact, days, note in SLA_POLICIES:
        _row, made = sla.objects.get_or_create(
            kind="request",
            nature=nature,
            priority=priority,
            defaults={"sign_hours": sign, "contact_hours": contact, "resolve_days": days, "note": note},
        )
        created["sla"] += made
    if not schedule.objects.exists():  # an office that set its own hours keeps them
        schedule.objects.create(name=SCHEDULE_NAME, sessions=SCHEDULE_SESSIONS)
        created["schedules"] += 1
    return created

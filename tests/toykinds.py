"""Kinds declared outside the engine, as a module would: what the engine's generic tests register."""

from __future__ import annotations

from nuanqi.cases.kinds import (
    CLOSED,
    OPEN,
    TURN_LEAD_UNIT,
    TURN_OFFICE,
    KindSpec,
    StatusDef,
    transition,
)
from nuanqi.cases.public import PublicField, PublicIntake
from nuanqi.cases.services import NewCase

OFFICE = {"admin", "dispatcher"}


def _to_case(values: dict[str, str]) -> NewCase:
    place = values.get("place", "")
    return NewCase(
        kind="toy_report",
        title=values["title"],
        description=values["description"] + (f"\n地点：{place}" if place else ""),
        channel="online",
        requester_name=values.get("contact_name", ""),
        requester_phone=values.get("contact_phone", ""),
    )


PUBLIC_TOY = KindSpec(
    code="toy_report",
    label="市民随手拍",
    prefix="SP",
    statuses=(
        StatusDef("toy_new", "待受理", OPEN, TURN_OFFICE),
        StatusDef("toy_working", "处置中", OPEN, TURN_LEAD_UNIT),
        StatusDef("toy_closed", "已办结", CLOSED, resolved=True),
    ),
    transitions=(
        transition("toy_take", "受理", ("toy_new",), "toy_working", OFFICE),
        transition("toy_close", "办结", ("toy_working",), "toy_closed", {"lead_unit", *OFFICE}),
    ),
    initial="toy_new",
    public=PublicIntake(
        slug="toy-reports",
        title="市民随手拍",
        intro="发现环境卫生、设施损坏等问题，请告诉我们。",
        fields=(
            PublicField("title", "问题概述", max_length=60),
            PublicField("description", "详细情况", kind="textarea", max_length=2000),
            PublicField("place", "地点", required=False, max_length=100),
            PublicField("contact_name", "称呼", required=False, max_length=20),
            PublicField("contact_phone", "联系电话", kind="phone", required=False, max_length=20),
        ),
        to_case=_to_case,
    ),
)

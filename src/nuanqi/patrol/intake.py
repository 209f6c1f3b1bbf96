"""Public reports of patrol problems (市民随手拍) through the engine's public intake:
`/public/patrol-reports/` and `POST /api/v1/public/patrol-reports`. A report is filed at 发现 and goes
through 立案 like any other problem."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nuanqi.cases.models import Channel
from nuanqi.cases.public import PublicField, PublicIntake
from nuanqi.cases.services import NewCase

from .models import Topic


def _to_case(values: dict[str, str]) -> NewCase:
    from .services import ensure_category

    topic = values["category"]
    place = values["place"]
    return NewCase(
        kind="patrol",
        title=f"{Topic(topic).label}：{place}"[:200],
        description=f"{values['description']}\n地点：{place}",
        category=ensure_category(topic),
        channel=Channel.ONLINE,
        requester_phone=values.get("contact_phone", ""),
    )


PATROL_INTAKE = PublicIntake(
    slug="patrol-reports",
    title=_("文明城市随手拍"),
    intro=_("发现垃圾堆放、绿化带裸露、设施损坏、僵尸车等问题，请告诉我们，我们会派单整改。"),
    fields=(
        PublicField("category", _("问题类别"), kind="choice", choices=tuple(Topic.choices)),
        PublicField("place", _("地点或地址"), max_length=100),
        PublicField("description", _("问题描述"), kind="textarea", max_length=2000),
        PublicField("contact_phone", _("联系电话"), kind="phone", required=False, max_length=20),
    ),
    to_case=_to_case,
)

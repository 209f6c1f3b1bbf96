"""The seed's round of inspections (十四届区委第四轮第二批, 2023, closed) and a current round taking tips
today."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from nuanqi.accounts.models import Unit
from nuanqi.demo import seed_data as S
from nuanqi.lib.cnnum import chinese_numeral

from .models import DEFAULT_SESSIONS, InspectionGroup, Round

POSTAL = "定海区昌国路61号区委巡察办转{group}"
POSTCODE = "316000"

# The current round's groups are invented (numbers and mailboxes too); its window is open on the demo's day.
CURRENT_GROUPS = [
    (1, "0580-8000101", "dhxc7z1@example.cn", "区商务局"),
    (2, "0580-8000102", "dhxc7z2@example.cn", "区卫健局"),
]


def build_rounds() -> dict[str, int]:
    seed = Round.objects.create(
        term="十四届区委",
        round_no=4,
        batch_no=2,
        window_start=date(2023, 3, 27),
        window_end=date(2023, 5, 10),
        sessions=DEFAULT_SESSIONS,
    )
    for number, (name, phone, target) in enumerate(S.INSPECTION_GROUPS, start=1):
        g = InspectionGroup.objects.create(
            round=seed,
            number=number,
            phone=phone,
            email=f"dhxcjb{number}@163.com",
            postal_address=POSTAL.format(group=name),
            postcode=POSTCODE,
        )
        g.target_units.add(Unit.objects.get(short_name=target))
    today = timezone.localdate()
    current = Round.objects.create(
        term="十四届区委",
        round_no=7,
        batch_no=1,
        window_start=today - timedelta(days=10),
        window_end=today + timedelta(days=35),
        sessions=DEFAULT_SESSIONS,
    )
    for number, phone, email, target in CURRENT_GROUPS:
        g = InspectionGroup.objects.create(
            round=current,
            number=number,
            phone=phone,
            email=email,
            postal_address=POSTAL.format(group=f"区委第{chinese_numeral(number)}巡察组"),
            postcode=POSTCODE,
        )
        unit = Unit.objects.filter(short_name=target).first()
        if unit is not None:
            g.target_units.add(unit)
    return {"rounds": Round.objects.count(), "groups": InspectionGroup.objects.count()}

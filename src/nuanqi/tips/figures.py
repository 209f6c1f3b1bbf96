"""Figures for the inspection office (巡察办): counts only, never content — tips per group, unit and
discipline, the in-scope share, 转办 decided within 5 working days, named reporters told within 15."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from nuanqi.cases.models import CaseClock

from .models import Discipline, Round, Tip


@dataclass
class Figures:
    total: int = 0
    named: int = 0
    by_group: list[tuple[str, int]] = field(default_factory=list)
    by_unit: list[tuple[str, int]] = field(default_factory=list)
    by_discipline: list[tuple[Any, int]] = field(default_factory=list)
    in_scope: int = 0
    out_of_scope: int = 0
    decided: int = 0  # accepted, transferred or filed
    decided_in_time: int = 0  # …within the 5-working-day clock
    told: int = 0  # named tips whose reporter was told of acceptance
    told_in_time: int = 0

    @staticmethod
    def share(part: int, whole: int) -> str:
        return f"{part / whole:.0%}" if whole else "—"


def of_round(rnd: Round) -> Figures:
    tips = list(Tip.objects.filter(round=rnd).select_related("group", "target_unit"))
    f = Figures(total=len(tips), named=sum(t.named for t in tips))
    f.by_group = sorted(Counter(t.group.label for t in tips).items())
    f.by_unit = sorted(Counter(t.target_unit.name for t in tips).items())
    disciplines = Counter(d for t in tips for d in t.disciplines)
    f.by_discipline = [(label, disciplines.get(code, 0)) for code, label in Discipline.choices]
    f.in_scope = sum(t.in_scope is True for t in tips)
    f.out_of_scope = sum(t.in_scope is False for t in tips)
    named_cases = {t.case_id for t in tips if t.named}
    for c in CaseClock.objects.filter(case_id__in=[t.case_id for t in tips], stopped_at__isnull=False):
        in_time = c.stopped_at is not None and c.stopped_at <= c.due_at
        if c.name == "transfer":
            f.decided += 1
            f.decided_in_time += in_time
        elif c.name == "tell_accept" and c.case_id in named_cases:
            f.told += 1
            f.told_in_time += in_time
    return f

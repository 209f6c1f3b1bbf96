"""The published State Council holiday data, read once from the `chinese_calendar` package."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from chinese_calendar import constants as _constants  # type: ignore[import-untyped,unused-ignore]

# chinese_calendar's own Chinese names are abbreviated ("清明", "端午"); offices write the full names.
HOLIDAY_NAMES_ZH: Mapping[str, str] = MappingProxyType(
    {
        "New Year's Day": "元旦",
        "Spring Festival": "春节",
        "Tomb-sweeping Day": "清明节",
        "Labour Day": "劳动节",
        "Dragon Boat Festival": "端午节",
        "National Day": "国庆节",
        "Mid-autumn Festival": "中秋节",
        "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
    }
)


def _load(raw: object) -> dict[date, str]:
    out: dict[date, str] = {}
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            if isinstance(key, date):
                out[key] = str(getattr(value, "value", value))
    return out


PUBLISHED_HOLIDAYS: Mapping[date, str] = MappingProxyType(_load(getattr(_constants, "holidays", {})))
PUBLISHED_WORKDAYS: Mapping[date, str] = MappingProxyType(_load(getattr(_constants, "workdays", {})))

# A year counts as published when the package lists its holidays; 调休 alone never defines a year.
PUBLISHED_YEARS: frozenset[int] = frozenset(d.year for d in PUBLISHED_HOLIDAYS)


def holiday_name_zh(english: str) -> str:
    """Chinese name of a chinese_calendar holiday; unknown names pass through unchanged."""
    return HOLIDAY_NAMES_ZH.get(english, english)

"""The statutory holidays of a year the State Council has not yet published, by law.

《全国年节及纪念日放假办法》 (as revised in 2024) fixes the holidays of all citizens: 元旦 (1 January),
春节 (除夕 and 正月初一 to 初三), 清明节, 劳动节 (1–2 May), 端午节, 中秋节 and 国庆节 (1–3 October);
a holiday of all citizens that falls on a Saturday or Sunday is given on the following workday (补假,
article 6). Only the 调休 swaps (moving a weekend workday next to a holiday) are unknown until the
annual notice, so a provisional year holds the holidays and their 补假 and no swaps.

The lunar and solar-term dates (除夕, 初一, 清明, 端午, 中秋) come from python-holidays' China calendar,
a maintained library; the 补假 rule is applied here, from the law's text.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, timedelta
from types import MappingProxyType

import holidays

# The law's revision that added 除夕 and the second day of 劳动节 took effect on 1 January 2025.
FIRST_YEAR = 2025
MAKE_UP_SUFFIX = "补假"

# python-holidays' English names (language "en_US") → the names offices write.
_NAMES = (
    ("New Year's Eve", "春节"),  # "Chinese New Year's Eve" is 除夕, part of 春节
    ("Chinese New Year", "春节"),
    ("New Year's Day", "元旦"),
    ("Tomb-Sweeping", "清明节"),
    ("Labor Day", "劳动节"),
    ("Dragon Boat", "端午节"),
    ("Mid-Autumn", "中秋节"),
    ("National Day", "国庆节"),
)


def _name(english: str) -> str | None:
    for part, zh in _NAMES:
        if part in english:
            return zh
    return None


@functools.lru_cache(maxsize=64)
def _year(year: int) -> Mapping[date, str]:
    if year < FIRST_YEAR:
        return MappingProxyType({})
    found = holidays.China(years=year, observed=False, language="en_US")
    days: dict[date, str] = {}
    for d, english in sorted(found.items()):
        # Two holidays on one day (中秋 on 3 October 2028) are one day off: the law gives no 补假 for it.
        names = [zh for piece in str(english).split("; ") if (zh := _name(piece)) is not None]
        if names:
            days[d] = "、".join(dict.fromkeys(names))
    expected = {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}
    if {n for v in days.values() for n in v.split("、")} != expected:
        raise ValueError(f"python-holidays 的 {year} 年中国法定节假日不完整：{sorted(set(days.values()))}")
    out = dict(days)
    # 补假: each holiday on a Saturday or Sunday moves to the first following day that is neither a weekend,
    # a holiday nor already a 补假, in date order.
    for d, zh in sorted(days.items()):
        if d.weekday() < 5:
            continue
        nxt = d + timedelta(days=1)
        while nxt.weekday() >= 5 or nxt in out:
            nxt += timedelta(days=1)
        out[nxt] = f"{zh.split('、')[0]}{MAKE_UP_SUFFIX}"
    return MappingProxyType(out)


def statutory_days_off(year: int) -> Mapping[date, str]:
    """{date: Chinese name} of the year's statutory holidays and their 补假 (empty before the 2024 law took
    effect: older years are all published)."""
    return _year(year)

"""Cell parsers of the Excel imports: each turns what an office worker typed into a value or raises CellError
with a Chinese reason (scales, industries, 信用代码, towns, thresholds like "营收>=2000万元", periods)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from nuanqi.accounts.models import Unit, UnitKind
from nuanqi.lib import gbt4754
from nuanqi.lib.cells import YEARS, CellError, excel_serial, normalize_text, parse_date, parse_list
from nuanqi.lib.uscc import UsccError
from nuanqi.lib.uscc import validate as validate_uscc

from .models import Level, Metric, PeriodKind, Scale


def _choice_parser(choices: dict[str, str], what: str, shown: Any = None) -> Callable[[Any], str]:
    """Accept any spelling in `choices`; the message lists the labels people should use (`shown`)."""
    options = "、".join(str(s) for s in shown) if shown is not None else "、".join(dict.fromkeys(choices))

    def parse(value: Any) -> str:
        text = normalize_text(value)
        if text in choices:
            return choices[text]
        raise CellError(f"{what}“{text}”不在可选范围内（可选：{options}）")

    return parse


_SCALES = {
    **{str(s.label): s.value for s in Scale},
    **{str(s.label)[0]: s.value for s in Scale},
    **{s.value: s.value for s in Scale},
}
_LEVELS = {
    **{str(lv.label): lv.value for lv in Level},
    "国家级": "national",
    "省级": "province",
    "市级": "city",
    "区级": "district",
    **{lv.value: lv.value for lv in Level},
}
_METRICS = {
    **{str(m.label): m.value for m in Metric},
    "用工": "employees",
    **{m.value: m.value for m in Metric},
}
_PERIODS = {**{str(p.label): p.value for p in PeriodKind}, "月": "month", "季": "quarter", "年": "year"}


_parse_scale = _choice_parser(_SCALES, "规模", Scale.labels)


def parse_scale(value: Any) -> str:
    return _parse_scale(value)


def parse_industry(value: Any) -> str:
    try:
        return gbt4754.parse(value).code
    except gbt4754.IndustryError as exc:
        raise CellError(str(exc)) from None


def parse_uscc(value: Any) -> str:
    try:
        return validate_uscc(normalize_text(value))
    except UsccError as exc:
        raise CellError(str(exc)) from None


class Towns:
    """The district's towns and streets by name (each import loads them once)."""

    def __init__(self) -> None:
        self.by_name = {u.name: u for u in Unit.objects.filter(kind=UnitKind.TOWN, active=True)}

    def parse(self, value: Any) -> Unit:
        text = normalize_text(value)
        found = self.by_name.get(text)
        if found is None:
            raise CellError(f"“{text}”不是本区的镇（街道）")
        return found


_THRESHOLD = re.compile(r"^(.+?)\s*(>=|≥|<=|≤|>|<)\s*([0-9.]+)\s*(万元|人|起)?$")


def parse_thresholds(value: Any) -> list[dict[str, Any]]:
    """ "产值>=2000；用工人数≥50" → [{"metric": "output", "op": ">=", "value": 2000.0}, …]."""
    out = []
    for item in parse_list(value):
        m = _THRESHOLD.match(item)
        if not m or m.group(1).strip() not in _METRICS:
            raise CellError(f"无法识别的门槛“{item}”，应形如 产值>=2000")
        op = {"≥": ">=", "≤": "<="}.get(m.group(2), m.group(2))
        out.append({"metric": _METRICS[m.group(1).strip()], "op": op, "value": float(m.group(3))})
    return out


_PERIOD_TEXT = re.compile(
    r"^(\d{4})\s*(?:年)?\s*(?:(?:第)?([1-4一二三四])\s*季度?|[Qq]([1-4])|(\d{1,2})\s*月?)?$"
)


def parse_period(value: Any) -> date:
    """A period's start: a date, "2022", "2022年", "2022年3月", "2022-03", "2022Q1" or "2022年第1季度"; in a
    number cell a year (2022) or an Excel date serial (45017 → 2023-04-01); years outside YEARS refused."""
    if hasattr(value, "year") and not isinstance(value, (int, float)):
        return parse_date(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and int(value) in YEARS:
            return date(int(value), 1, 1)
        if excel_serial(value) is None:
            raise CellError(
                f"数字“{normalize_text(value)}”不是期间，应形如 2022、2022年3月、2022Q1，或为日期"
            )
        return parse_date(value)
    text = (
        normalize_text(value).replace("-", "年", 1)
        if re.match(r"^\d{4}-\d{1,2}$", normalize_text(value))
        else (normalize_text(value))
    )
    m = _PERIOD_TEXT.match(text)
    if m:
        year = int(m.group(1))
        if year not in YEARS:
            raise CellError(f"期间“{text}”的年份超出合理范围（{YEARS.start}–{YEARS.stop - 1}）")
        quarter = m.group(2) or m.group(3)
        if quarter:
            q = "一二三四".index(quarter) + 1 if quarter in "一二三四" else int(quarter)
            return date(year, 3 * (q - 1) + 1, 1)
        if m.group(4):
            month = int(m.group(4))
            if not 1 <= month <= 12:
                raise CellError(f"月份“{month}”不存在")
            return date(year, month, 1)
        return date(year, 1, 1)
    return parse_date(value)


# ---------------------------------------------------------------- templates

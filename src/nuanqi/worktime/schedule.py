"""Daily working sessions and the date ranges (optionally seasonal) in which they apply."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time

Session = tuple[time, time]
Sessions = tuple[Session, ...]

DEFAULT_SESSIONS: Sessions = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 0)))


def validate_sessions(sessions: Iterable[Session]) -> Sessions:
    """Return the sessions as a tuple, or raise ValueError unless they are sorted, disjoint, non-empty."""
    try:
        out = tuple((start, end) for start, end in sessions)
    except (TypeError, ValueError) as exc:
        raise ValueError("工作时段格式错误：每个时段应为（开始时间, 结束时间）") from exc
    if not out:
        raise ValueError("至少需要一个工作时段")
    previous_end: time | None = None
    for start, end in out:
        if not isinstance(start, time) or not isinstance(end, time):
            raise ValueError("工作时段的开始和结束必须是时间（time）")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("工作时段应使用不带时区的本地时间")
        if start >= end:
            raise ValueError(f"工作时段 {start:%H:%M}-{end:%H:%M} 的开始时间必须早于结束时间")
        if previous_end is not None and start < previous_end:
            raise ValueError(f"工作时段必须按时间顺序排列且互不重叠（{start:%H:%M} 早于上一时段结束）")
        previous_end = end
    return out


@dataclass(frozen=True, slots=True)
class Schedule:
    """Working sessions valid from `valid_from` to `valid_to` (inclusive; None = open).

    `months = (from_month, from_day, to_month, to_day)` restricts it to a range recurring every year,
    e.g. summer hours (7, 1, 9, 30); a range such as (11, 1, 2, 28) wraps over the new year.
    """

    sessions: Sessions
    valid_from: date | None = None
    valid_to: date | None = None
    months: tuple[int, int, int, int] | None = None
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sessions", validate_sessions(self.sessions))
        if self.valid_from is not None and self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("作息的截止日期不能早于生效日期")
        if self.months is not None:
            try:
                fm, fd, tm, td = (int(x) for x in self.months)
            except (TypeError, ValueError) as exc:
                raise ValueError("季节范围应为（起始月, 起始日, 结束月, 结束日）") from exc
            # Day numbers are only range-checked: (2, 30) simply behaves like the end of February.
            if not (1 <= fm <= 12 and 1 <= tm <= 12 and 1 <= fd <= 31 and 1 <= td <= 31):
                raise ValueError("季节范围的月份应在 1-12 之间，日期应在 1-31 之间")
            object.__setattr__(self, "months", (fm, fd, tm, td))

    def applies_to(self, d: date) -> bool:
        """Whether this schedule is in force on date `d`."""
        if self.valid_from is not None and d < self.valid_from:
            return False
        if self.valid_to is not None and d > self.valid_to:
            return False
        if self.months is None:
            return True
        fm, fd, tm, td = self.months
        md = (d.month, d.day)
        if (fm, fd) <= (tm, td):
            return (fm, fd) <= md <= (tm, td)
        return md >= (fm, fd) or md <= (tm, td)

"""The working calendar: which dates are workdays, their sessions, and deadline arithmetic.

Every year is turned, on first use, into flat per-day tables (workday flag, sessions in microseconds
since midnight, prefix sums of working time, the list of workdays), so one deadline costs a few list
lookups and a bisect instead of a walk over days or minutes.

Arithmetic runs on Asia/Shanghai wall-clock time. Working sessions never contain a clock change (China
has had none since 1991, and the 1986-1991 ones happened at night), so wall-clock working time equals
elapsed working time.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final, SupportsIndex
from zoneinfo import ZoneInfo

from ._published import PUBLISHED_HOLIDAYS, PUBLISHED_WORKDAYS, PUBLISHED_YEARS, holiday_name_zh
from ._statutory import statutory_days_off
from .schedule import DEFAULT_SESSIONS, Schedule, Session, Sessions, validate_sessions

TZ: Final = ZoneInfo("Asia/Shanghai")

MAKE_UP_WORKDAY_NAME: Final = "调休上班"
WEEKEND_NAME: Final = "周末"
DEFAULT_CLOSURE_NAME: Final = "停工"
DEFAULT_EXTRA_WORKDAY_NAME: Final = "调休上班"

_US_PER_HOUR: Final = 3_600_000_000
_MIN_YEAR: Final = 1  # datetime's own range; published data only covers 2004-2026
_MAX_YEAR: Final = 9999

Spans = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class DayInfo:
    """What the calendar says about one date; `name` is Chinese (None for a plain weekday)."""

    date: dt.date
    workday: bool
    name: str | None
    confirmed: bool


class _YearTable:
    """Per-day tables of one calendar year, indexed by day of year (0 = January 1)."""

    __slots__ = (
        "cum",
        "midnight",
        "names",
        "ndays",
        "nwd",
        "ord0",
        "sessions",
        "spans",
        "total",
        "wd_doys",
        "wd_end",
        "wd_upto",
        "workday",
        "year",
    )

    def __init__(self, year: int, ord0: int, ndays: int) -> None:
        self.year = year
        self.ord0 = ord0
        self.ndays = ndays
        self.workday: list[bool] = []
        self.names: list[str | None] = []
        self.sessions: list[Sessions] = []
        self.spans: list[Spans] = []
        self.midnight: list[datetime] = []
        # cum[i]: working microseconds from January 1 00:00 to day i 00:00; cum[ndays] is the year total.
        self.cum: list[int] = [0]
        self.total = 0
        # wd_doys: days of year that are workdays; wd_upto[i]: how many of them fall on or before day i;
        # wd_end: the end of the last session of each workday (the deadline instant of that day).
        self.wd_doys: list[int] = []
        self.wd_upto: list[int] = []
        self.wd_end: list[datetime] = []
        self.nwd = 0


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _local(value: datetime) -> datetime:
    """`value` as an aware Asia/Shanghai datetime; naive input is taken as Shanghai wall-clock time."""
    tz = value.tzinfo
    if tz is TZ:
        return value
    if tz is None or tz.utcoffset(value) is None:
        return value.replace(tzinfo=TZ)
    return value.astimezone(TZ)


def _tod_us(local: datetime) -> int:
    return ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond


def _worked(spans: Spans, tod: int) -> int:
    """Working microseconds between midnight and `tod` on a day with these sessions."""
    done = 0
    for start, end in spans:
        if tod <= start:
            break
        if tod < end:
            return done + tod - start
        done += end - start
    return done


def _hours_us(hours: float) -> int:
    value = float(hours)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"工时必须是非负的有限数值，收到 {hours!r}")
    return round(value * _US_PER_HOUR)


def _check_days(days: object) -> int:
    if not isinstance(days, SupportsIndex) or isinstance(days, bool):
        raise ValueError(f"工作日数必须是整数，收到 {days!r}")
    try:
        n = operator.index(days)
    except TypeError as exc:
        raise ValueError(f"工作日数必须是整数，收到 {days!r}") from exc
    if n < 1:
        raise ValueError(f"工作日数必须不小于 1，收到 {n}")
    return n


def _overrides(value: Mapping[date, str] | Iterable[date], default_name: str) -> dict[date, str]:
    pairs: Iterable[tuple[object, object]] = (
        value.items() if isinstance(value, Mapping) else ((d, default_name) for d in value)
    )
    out: dict[date, str] = {}
    for key, name in pairs:
        if isinstance(key, datetime):
            key = key.date()
        if not isinstance(key, date):
            raise ValueError(f"日历调整的日期必须是 date，收到 {key!r}")
        out[key] = str(name) if name else default_name
    return out


class WorkCalendar:
    """Published Chinese holidays and 调休 plus local overrides, with working-time arithmetic.

    Precedence for a date: closure > extra workday > published 调休 workday > published holiday >
    provisional statutory holiday > weekend > weekday. A year without published data is provisional until
    listed in `confirmed_years` (an admin entered the State Council's notice as closures and extra
    workdays): it holds the statutory holidays and their 补假 by law, but no 调休 swaps, and is reported as
    unconfirmed. A confirmed year holds exactly what was entered, the guess dropped.
    """

    def __init__(
        self,
        *,
        closures: Mapping[date, str] | Iterable[date] = (),
        extra_workdays: Mapping[date, str] | Iterable[date] = (),
        schedules: Sequence[Schedule] = (),
        default_sessions: Sequence[Session] = DEFAULT_SESSIONS,
        confirmed_years: Iterable[int] = (),
    ) -> None:
        self._closures = _overrides(closures, DEFAULT_CLOSURE_NAME)
        self._extra = _overrides(extra_workdays, DEFAULT_EXTRA_WORKDAY_NAME)
        self._schedules: tuple[Schedule, ...] = tuple(schedules)
        for schedule in self._schedules:
            if not isinstance(schedule, Schedule):
                raise ValueError(f"作息必须是 Schedule，收到 {schedule!r}")
        self._default_sessions = validate_sessions(default_sessions)
        self._confirmed = frozenset(int(y) for y in confirmed_years)
        self._tables: dict[int, _YearTable] = {}
        self._spans_cache: dict[Sessions, Spans] = {}

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(closures={len(self._closures)}, extra_workdays={len(self._extra)}, "
            f"schedules={len(self._schedules)}, confirmed_years={sorted(self._confirmed)})"
        )

    @property
    def closures(self) -> Mapping[date, str]:
        return dict(self._closures)

    @property
    def extra_workdays(self) -> Mapping[date, str]:
        return dict(self._extra)

    @property
    def schedules(self) -> tuple[Schedule, ...]:
        return self._schedules

    @property
    def default_sessions(self) -> Sessions:
        return self._default_sessions

    # -- per-year tables ------------------------------------------------------------------------------

    def _classify(self, d: date) -> tuple[bool, str | None]:
        name = self._closures.get(d)
        if name is not None:
            return False, name
        name = self._extra.get(d)
        if name is not None:
            return True, name
        if d in PUBLISHED_WORKDAYS:
            return True, MAKE_UP_WORKDAY_NAME
        holiday = PUBLISHED_HOLIDAYS.get(d)
        if holiday is not None:
            return False, holiday_name_zh(holiday)
        if self.is_year_provisional(d.year):
            guess = statutory_days_off(d.year).get(d)
            if guess is not None:
                return False, guess
        if d.weekday() >= 5:
            return False, WEEKEND_NAME
        return True, None

    def _sessions_for(self, d: date) -> Sessions:
        # The last matching schedule wins, so walk the list backwards and stop at the first match.
        for schedule in reversed(self._schedules):
            if schedule.applies_to(d):
                return schedule.sessions
        return self._default_sessions

    def _spans(self, sessions: Sessions) -> Spans:
        spans = self._spans_cache.get(sessions)
        if spans is None:
            spans = tuple((_time_us(start), _time_us(end)) for start, end in sessions)
            self._spans_cache[sessions] = spans
        return spans

    def _table(self, year: int) -> _YearTable:
        table = self._tables.get(year)
        return table if table is not None else self._build_year(year)

    def _build_year(self, year: int) -> _YearTable:
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            raise ValueError(f"{year} 年超出工作日历支持的范围（{_MIN_YEAR}-{_MAX_YEAR}）")
        first = date(year, 1, 1)
        ndays = 366 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 365
        table = _YearTable(year, first.toordinal(), ndays)
        total = 0
        for i in range(ndays):
            d = date.fromordinal(table.ord0 + i)
            workday, name = self._classify(d)
            midnight = datetime(d.year, d.month, d.day, tzinfo=TZ)
            sessions: Sessions = self._sessions_for(d) if workday else ()
            spans = self._spans(sessions)
            table.workday.append(workday)
            table.names.append(name)
            table.sessions.append(sessions)
            table.spans.append(spans)
            table.midnight.append(midnight)
            if workday:
                total += sum(end - start for start, end in spans)
                table.wd_doys.append(i)
                table.wd_end.append(midnight + timedelta(microseconds=spans[-1][1]))
            table.cum.append(total)
            table.wd_upto.append(len(table.wd_doys))
        table.total = total
        table.nwd = len(table.wd_doys)
        # Concurrent builders of the same year produce equal tables, so a lost race is harmless.
        self._tables[year] = table
        return table

    def _position(self, value: datetime) -> tuple[int, int]:
        """(year, working microseconds from that year's start to `value`)."""
        local = _local(value)
        table = self._table(local.year)
        i = local.toordinal() - table.ord0
        return local.year, table.cum[i] + _worked(table.spans[i], _tod_us(local))

    # -- dates ----------------------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        """Whether `d` (a date, or a datetime taken in Asia/Shanghai) is a workday."""
        if isinstance(d, datetime):
            d = _local(d)
        table = self._table(d.year)
        return table.workday[d.toordinal() - table.ord0]

    def day_info(self, d: date) -> DayInfo:
        """Workday flag, Chinese name and confirmation status of a date."""
        if isinstance(d, datetime):
            d = _local(d).date()
        table = self._table(d.year)
        i = d.toordinal() - table.ord0
        return DayInfo(
            date=d, workday=table.workday[i], name=table.names[i], confirmed=self.is_year_confirmed(d.year)
        )

    def sessions_on(self, d: date) -> Sessions:
        """The working sessions of `d`; empty for a non-workday."""
        if isinstance(d, datetime):
            d = _local(d)
        table = self._table(d.year)
        return table.sessions[d.toordinal() - table.ord0]

    def is_year_confirmed(self, year: int) -> bool:
        """Whether the year's holidays are published or an admin declared them complete."""
        return year in PUBLISHED_YEARS or year in self._confirmed

    def is_year_provisional(self, year: int) -> bool:
        """Whether the year's days off are the statutory guess (neither published nor confirmed)."""
        return not self.is_year_confirmed(year)

    def unconfirmed_years(self, start_year: int, end_year: int) -> list[int]:
        """Years in [start_year, end_year] whose calendar is only the weekday guess."""
        return [y for y in range(start_year, end_year + 1) if not self.is_year_confirmed(y)]

    # -- arithmetic -----------------------------------------------------------------------------------

    def next_working_instant(self, at: datetime) -> datetime:
        """The earliest instant >= `at` inside a working session: `at` itself during working hours, else the
        start of the next session (a tip filed at 20:00 starts its clock at 08:30 on the next workday)."""
        local = _local(at)
        tod = _tod_us(local)
        day = local.date()
        for _ in range(3660):  # ten years of days: a calendar with no workday at all is a configuration error
            table = self._tables.get(day.year) or self._build_year(day.year)
            i = day.toordinal() - table.ord0
            for s, e in table.spans[i]:
                if day != local.date() or tod < e:
                    start = s if day != local.date() else max(s, tod)
                    return table.midnight[i] + timedelta(microseconds=start)
            day = day + timedelta(days=1)
        raise ValueError("no working session in the next ten years")

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Earliest instant t >= start with exactly `hours` of working time in [start, t]."""
        amount = _hours_us(hours)
        local = _local(start)
        if amount == 0:
            return local
        year = local.year
        table = self._tables.get(year) or self._build_year(year)
        i = local.toordinal() - table.ord0
        target = table.cum[i] + _worked(table.spans[i], _tod_us(local)) + amount
        while target > table.total:
            target -= table.total
            year += 1
            table = self._tables.get(year) or self._build_year(year)
        # First day whose cumulative end reaches the target; `<=` below keeps a result on a session end.
        j = bisect_left(table.cum, target) - 1
        rest = target - table.cum[j]
        for s, e in table.spans[j]:
            if rest <= e - s:
                return table.midnight[j] + timedelta(microseconds=s + rest)
            rest -= e - s
        raise AssertionError("unreachable: prefix sums and sessions disagree")

    def sub_working_hours(self, end: datetime, hours: float) -> datetime:
        """Latest instant t <= end with exactly `hours` of working time in [t, end]."""
        amount = _hours_us(hours)
        local = _local(end)
        if amount == 0:
            return local
        year = local.year
        table = self._tables.get(year) or self._build_year(year)
        i = local.toordinal() - table.ord0
        target = table.cum[i] + _worked(table.spans[i], _tod_us(local)) - amount
        while target < 0:
            year -= 1
            table = self._tables.get(year) or self._build_year(year)
            target += table.total
        # Last day whose cumulative start is <= target; `<` below moves a result off a session end
        # onto the next session start (14:00 rather than 12:00).
        j = bisect_right(table.cum, target) - 1
        rest = target - table.cum[j]
        for s, e in table.spans[j]:
            if rest < e - s:
                return table.midnight[j] + timedelta(microseconds=s + rest)
            rest -= e - s
        raise AssertionError("unreachable: prefix sums and sessions disagree")

    def add_working_days(self, start: date, days: int) -> datetime:
        """End of the last session of the `days`-th workday after start's date (从受理次日起算)."""
        if days.__class__ is not int or days < 1:
            days = _check_days(days)
        if isinstance(start, datetime):
            start = _local(start)
        year = start.year
        table = self._tables.get(year) or self._build_year(year)
        # wd_upto[i] is the index in wd_doys of the first workday after day i.
        idx = table.wd_upto[start.toordinal() - table.ord0] + days - 1
        while idx >= table.nwd:
            idx -= table.nwd
            year += 1
            table = self._tables.get(year) or self._build_year(year)
        return table.wd_end[idx]

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in [a, b]; negative when b is before a."""
        ya, pa = self._position(a)
        yb, pb = self._position(b)
        if ya == yb:
            return timedelta(microseconds=pb - pa)
        sign = 1
        if ya > yb:
            ya, pa, yb, pb, sign = yb, pb, ya, pa, -1
        span = self._table(ya).total - pa + pb
        for year in range(ya + 1, yb):
            span += self._table(year).total
        return timedelta(microseconds=sign * span)

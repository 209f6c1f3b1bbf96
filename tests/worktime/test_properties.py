"""Property tests: the table-driven arithmetic against an independent minute-by-minute brute force.

The reference below reads `chinese_calendar.is_workday` directly, applies the overrides and picks the
sessions itself, then walks working minutes one at a time. Starts are whole minutes and hours are
multiples of 1/60 so the brute force is exact; second-resolution starts are checked by invariants.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

import chinese_calendar
import holidays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nuanqi.worktime import TZ, Schedule, WorkCalendar

_LAW = holidays.China(observed=True)

MINUTE = timedelta(minutes=1)
FIRST = datetime(2023, 1, 1)
LAST = datetime(2026, 12, 31, 23, 59)
SPAN_MINUTES = int((LAST - FIRST) / MINUTE)
ZONES: list[tzinfo | None] = [TZ, UTC, timezone(timedelta(hours=5, minutes=30)), None]

DEFAULT = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 0)))
SUMMER = ((time(8, 30), time(12, 0)), (time(14, 30), time(17, 30)))
MARCH_2025 = ((time(9, 0), time(12, 0)), (time(13, 30), time(18, 0)))
AUGUST_2026 = ((time(7, 0), time(11, 30)),)

CLOSURES = {
    date(2023, 1, 28): "寒潮停工",  # a published make-up Saturday
    date(2023, 9, 1): "台风停工",
    date(2024, 7, 15): "台风停工",
    date(2024, 7, 16): "台风停工",
    date(2025, 3, 14): "停电",
    date(2026, 12, 31): "年终盘点",
}
EXTRA = {
    date(2023, 10, 1): "补班",  # a published holiday Sunday
    date(2024, 6, 8): "补班",
    date(2025, 3, 15): "补班",
    date(2026, 8, 8): "补班",
    date(2027, 1, 2): "2027年调休上班",
}
SCHEDULES = [
    Schedule(sessions=SUMMER, months=(7, 1, 9, 30), name="夏令"),
    Schedule(sessions=MARCH_2025, valid_from=date(2025, 3, 1), valid_to=date(2025, 3, 31)),
    Schedule(sessions=AUGUST_2026, valid_from=date(2026, 8, 3), valid_to=date(2026, 8, 10)),
]


class Reference:
    """Brute-force working calendar, independent of the package under test."""

    def __init__(
        self,
        closures: frozenset[date] = frozenset(),
        extra: frozenset[date] = frozenset(),
        seasonal: bool = False,
    ) -> None:
        self.closures = closures
        self.extra = extra
        self.seasonal = seasonal
        self._workday: dict[date, bool] = {}

    def is_workday(self, d: date) -> bool:
        if d not in self._workday:
            if d in self.closures:
                value = False
            elif d in self.extra:
                value = True
            else:
                try:
                    value = bool(chinese_calendar.is_workday(d))
                except NotImplementedError:  # no published data: the statutory guess, with python-holidays'
                    # own 补假 rule as an independent reference
                    value = d.weekday() < 5 and d not in _LAW
            self._workday[d] = value
        return self._workday[d]

    def sessions(self, d: date) -> tuple[tuple[time, time], ...]:
        if self.seasonal:
            if date(2026, 8, 3) <= d <= date(2026, 8, 10):
                return AUGUST_2026
            if date(2025, 3, 1) <= d <= date(2025, 3, 31):
                return MARCH_2025
            if (7, 1) <= (d.month, d.day) <= (9, 30):
                return SUMMER
        return DEFAULT

    def minutes_of(self, d: date) -> list[datetime]:
        """Start of every working minute on date d, as naive Shanghai wall time."""
        if not self.is_workday(d):
            return []
        out = []
        for start, end in self.sessions(d):
            t = datetime.combine(d, start)
            stop = datetime.combine(d, end)
            while t < stop:
                out.append(t)
                t += MINUTE
        return out

    def forward(self, start: datetime) -> Iterator[datetime]:
        d = start.date()
        while True:
            for m in self.minutes_of(d):
                if m >= start:
                    yield m
            d += timedelta(days=1)

    def backward(self, end: datetime) -> Iterator[datetime]:
        d = end.date()
        while True:
            for m in reversed(self.minutes_of(d)):
                if m + MINUTE <= end:
                    yield m
            d -= timedelta(days=1)

    def add_minutes(self, start: datetime, n: int) -> datetime:
        if n == 0:
            return start
        for count, m in enumerate(self.forward(start), 1):
            if count == n:
                return m + MINUTE
        raise AssertionError

    def sub_minutes(self, end: datetime, n: int) -> datetime:
        if n == 0:
            return end
        for count, m in enumerate(self.backward(end), 1):
            if count == n:
                return m
        raise AssertionError

    def minutes_between(self, a: datetime, b: datetime) -> int:
        n = 0
        d = a.date()
        while d <= b.date():
            n += sum(1 for m in self.minutes_of(d) if a <= m and m + MINUTE <= b)
            d += timedelta(days=1)
        return n

    def add_days(self, start: datetime, n: int) -> datetime:
        d = start.date()
        while n:
            d += timedelta(days=1)
            if self.is_workday(d):
                n -= 1
        return datetime.combine(d, self.sessions(d)[-1][1])


class Case:
    """A calendar under test and its reference twin."""

    def __init__(self, name: str, calendar: WorkCalendar, reference: Reference) -> None:
        self.name = name
        self.calendar = calendar
        self.reference = reference

    def __repr__(self) -> str:
        return f"Case({self.name})"


PLAIN = Case("plain", WorkCalendar(), Reference())
CUSTOM = Case(
    "closures, extra workdays, seasonal schedules",
    WorkCalendar(closures=CLOSURES, extra_workdays=EXTRA, schedules=SCHEDULES),
    Reference(frozenset(CLOSURES), frozenset(EXTRA), seasonal=True),
)
CASES = st.sampled_from([PLAIN, CUSTOM])

# Session edges and override dates are where off-by-one errors live, so bias starts towards them.
EDGES = [
    time(0, 0),
    time(8, 29),
    time(8, 30),
    time(11, 59),
    time(12, 0),
    time(13, 59),
    time(14, 0),
    time(14, 30),
    time(16, 59),
    time(17, 0),
    time(17, 30),
    time(23, 59),
]
SPECIAL_DAYS = sorted(
    {*CLOSURES, *EXTRA, date(2023, 1, 20), date(2023, 9, 28), date(2025, 12, 31)} - {date(2027, 1, 2)}
)


def _local_minutes() -> st.SearchStrategy[datetime]:
    uniform = st.integers(0, SPAN_MINUTES).map(lambda m: FIRST + m * MINUTE)
    edge = st.builds(
        lambda day, back, t: datetime.combine(day - timedelta(days=back), t),
        st.sampled_from(SPECIAL_DAYS) | st.dates(FIRST.date(), LAST.date()),
        st.integers(0, 3),
        st.sampled_from(EDGES),
    )
    return uniform | edge


def _in_zone(local: datetime, zone: tzinfo | None) -> datetime:
    """The same instant as Shanghai wall time `local`, expressed in `zone` (None = naive Shanghai)."""
    if zone is None:
        return local
    return local.replace(tzinfo=TZ).astimezone(zone)


MINUTE_STARTS = st.tuples(_local_minutes(), st.sampled_from(ZONES))
SECOND_STARTS = st.tuples(
    st.builds(lambda m, s: m + timedelta(seconds=s), _local_minutes(), st.integers(0, 59)),
    st.sampled_from(ZONES),
)
HOUR_MINUTES = st.integers(0, 200 * 60) | st.integers(0, 400).map(lambda k: k * 30)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _sh(naive: datetime) -> datetime:
    return naive.replace(tzinfo=TZ)


@FAST
@given(case=CASES, start=MINUTE_STARTS, minutes=HOUR_MINUTES)
def test_add_working_hours_matches_the_minute_walk(
    case: Case, start: tuple[datetime, tzinfo | None], minutes: int
) -> None:
    local, zone = start
    result = case.calendar.add_working_hours(_in_zone(local, zone), minutes / 60)
    assert result.tzinfo is TZ
    assert result == _sh(case.reference.add_minutes(local, minutes))


@FAST
@given(case=CASES, end=MINUTE_STARTS, minutes=HOUR_MINUTES)
def test_sub_working_hours_matches_the_minute_walk(
    case: Case, end: tuple[datetime, tzinfo | None], minutes: int
) -> None:
    local, zone = end
    result = case.calendar.sub_working_hours(_in_zone(local, zone), minutes / 60)
    assert result.tzinfo is TZ
    assert result == _sh(case.reference.sub_minutes(local, minutes))


@FAST
@given(case=CASES, start=SECOND_STARTS, days=st.integers(1, 60))
def test_add_working_days_matches_the_day_walk(
    case: Case, start: tuple[datetime, tzinfo | None], days: int
) -> None:
    local, zone = start
    result = case.calendar.add_working_days(_in_zone(local, zone), days)
    assert result.tzinfo is TZ
    assert result == _sh(case.reference.add_days(local, days))


@FAST
@given(case=CASES, a=MINUTE_STARTS, span=st.integers(-30 * 24 * 60, 30 * 24 * 60))
def test_working_time_between_matches_the_minute_count(
    case: Case, a: tuple[datetime, tzinfo | None], span: int
) -> None:
    local, zone = a
    other = local + span * MINUTE
    got = case.calendar.working_time_between(_in_zone(local, zone), _in_zone(other, zone))
    lo, hi = sorted((local, other))
    expected = case.reference.minutes_between(lo, hi) * MINUTE
    assert got == (expected if span >= 0 else -expected)


@FAST
@given(case=CASES, start=SECOND_STARTS, hours=st.floats(0, 200, allow_nan=False, allow_infinity=False))
def test_second_resolution_hours_round_trip_exactly(
    case: Case, start: tuple[datetime, tzinfo | None], hours: float
) -> None:
    cal = case.calendar
    s = _in_zone(*start)
    instant = _sh(start[0])  # the same instant, always aware, for comparisons
    amount = timedelta(microseconds=round(hours * 3_600_000_000))
    later = cal.add_working_hours(s, hours)
    earlier = cal.sub_working_hours(s, hours)
    assert later >= instant >= earlier
    assert cal.working_time_between(s, later) == amount
    assert cal.working_time_between(earlier, s) == amount
    if amount:
        # Earliest / latest: one microsecond less is not enough.
        assert cal.working_time_between(s, later - timedelta(microseconds=1)) < amount
        assert cal.working_time_between(earlier + timedelta(microseconds=1), s) < amount
        # Going back from the deadline lands at or after the start, with no work in between.
        back = cal.sub_working_hours(later, hours)
        assert back >= instant
        assert cal.working_time_between(s, back) == timedelta(0)


@FAST
@given(case=CASES, a=SECOND_STARTS, b=SECOND_STARTS, c=SECOND_STARTS)
def test_working_time_between_is_additive(
    case: Case,
    a: tuple[datetime, tzinfo | None],
    b: tuple[datetime, tzinfo | None],
    c: tuple[datetime, tzinfo | None],
) -> None:
    cal = case.calendar
    x, y, z = _in_zone(*a), _in_zone(*b), _in_zone(*c)
    assert cal.working_time_between(x, y) + cal.working_time_between(y, z) == cal.working_time_between(x, z)
    assert cal.working_time_between(x, y) == -cal.working_time_between(y, x)


@settings(max_examples=60, deadline=None)
@given(
    closures=st.sets(st.dates(date(2024, 1, 1), date(2024, 12, 31)), max_size=40),
    extra=st.sets(st.dates(date(2024, 1, 1), date(2024, 12, 31)), max_size=40),
    start=st.integers(0, 366 * 24 * 60).map(lambda m: datetime(2024, 1, 1) + m * MINUTE),
    days=st.integers(1, 30),
    minutes=st.integers(0, 60 * 60),
)
def test_random_overrides_agree_with_the_reference(
    closures: set[date], extra: set[date], start: datetime, days: int, minutes: int
) -> None:
    cal = WorkCalendar(closures=closures, extra_workdays=extra)
    ref = Reference(frozenset(closures), frozenset(extra - closures))
    assert cal.add_working_days(start, days) == _sh(ref.add_days(start, days))
    assert cal.add_working_hours(start, minutes / 60) == _sh(ref.add_minutes(start, minutes))
    assert cal.sub_working_hours(start, minutes / 60) == _sh(ref.sub_minutes(start, minutes))

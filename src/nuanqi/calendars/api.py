from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from nuanqi.columns import SaneDate, SaneDateTime
from nuanqi.lib.errors import Invalid

from .services import current_calendar

router = Router(tags=["工作日历"])


class DayOut(Schema):
    date: dt.date
    workday: bool
    name: str | None
    confirmed: bool


class DeadlineOut(Schema):
    start: dt.datetime
    deadline: dt.datetime
    confirmed: bool


@router.get("/day", response=DayOut, summary="某日是否工作日")
def day(request: HttpRequest, date: SaneDate) -> DayOut:
    info = current_calendar().day_info(date)
    return DayOut(date=info.date, workday=info.workday, name=info.name, confirmed=info.confirmed)


@router.get("/deadline", response=DeadlineOut, summary="按工作日/工作小时计算期限")
def deadline(
    request: HttpRequest,
    start: SaneDateTime,
    # About twenty years of working days (or hours): a longer span is a typing error, not a deadline, and
    # with the start's sane years it keeps the result within the calendar's.
    working_days: int | None = Query(None, ge=1, le=5000),
    working_hours: float | None = Query(None, ge=0, le=40000),
) -> DeadlineOut:
    cal = current_calendar()
    if (working_days is None) == (working_hours is None):
        raise Invalid("请给出 working_days 或 working_hours 其中之一", "invalid_query")
    if working_days is not None:
        result = cal.add_working_days(start, working_days)
    else:
        assert working_hours is not None
        result = cal.add_working_hours(start, working_hours)
    return DeadlineOut(start=start, deadline=result, confirmed=cal.is_year_confirmed(result.year))

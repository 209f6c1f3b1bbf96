"""Admin overrides of the working calendar: closures, extra workdays, schedules, confirmed years.

The arithmetic lives in the pure `nuanqi.worktime` package; this app only stores what admins add and
builds a `WorkCalendar` from it (see `services.current_calendar`).
"""

from __future__ import annotations

import re
from datetime import time
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_SESSION_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~—]\s*(\d{1,2}):(\d{2})\s*$")


def parse_sessions(text: str) -> tuple[tuple[time, time], ...]:
    """Parse "08:30-12:00, 14:00-17:00" (full-width commas allowed) into session tuples."""
    parts = [p for p in re.split(r"[,，;；\s]+(?=\d)", text.strip()) if p.strip()]
    if not parts:
        raise ValidationError(_("请至少填写一个工作时段，例如 08:30-12:00"))
    out = []
    for part in parts:
        m = _SESSION_RE.match(part)
        if not m:
            raise ValidationError(_("无法识别的工作时段“%(part)s”，应形如 08:30-12:00") % {"part": part})
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValidationError(_("时间“%(part)s”超出范围") % {"part": part})
        out.append((time(h1, m1), time(h2, m2)))
    return tuple(out)


class CalendarDay(models.Model):
    """One date whose status differs from the published calendar (typhoon closure, next year's 调休)."""

    date = models.DateField(_("日期"), unique=True)
    workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("说明"), max_length=60, help_text=_("例如：台风停工、2027年春节调休上班"))
    note = models.TextField(_("备注"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["date"]
        verbose_name = _("日历调整")
        verbose_name_plural = _("日历调整")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class WorkSchedule(models.Model):
    """Daily working sessions for a date range, optionally recurring each year (夏令作息)."""

    name = models.CharField(_("名称"), max_length=60)
    sessions = models.CharField(_("工作时段"), max_length=120, help_text=_("例如 08:30-12:00, 14:30-17:30"))
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    season_from = models.CharField(
        _("每年起始(月-日)"), max_length=5, blank=True, help_text=_("如 07-01，留空表示全年")
    )
    season_to = models.CharField(_("每年结束(月-日)"), max_length=5, blank=True, help_text=_("如 09-30"))
    priority = models.PositiveIntegerField(
        _("优先级"), default=0, help_text=_("多个作息同时适用时，数字大的优先")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["priority", "id"]
        verbose_name = _("作息时间")
        verbose_name_plural = _("作息时间")

    def __str__(self) -> str:
        return self.name

    def season(self) -> tuple[int, int, int, int] | None:
        if not self.season_from and not self.season_to:
            return None
        try:
            fm, fd = (int(x) for x in self.season_from.split("-"))
            tm, td = (int(x) for x in self.season_to.split("-"))
        except ValueError as exc:
            raise ValidationError(_("季节起止应形如 07-01 与 09-30")) from exc
        if not (1 <= fm <= 12 and 1 <= tm <= 12 and 1 <= fd <= 31 and 1 <= td <= 31):
            raise ValidationError(_("季节起止应形如 07-01 与 09-30"))
        return (fm, fd, tm, td)

    def clean(self) -> None:
        parse_sessions(self.sessions)
        self.season()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError(_("截止日期不能早于生效日期"))


class ConfirmedYear(models.Model):
    """A year whose holidays and 调休 an admin has entered completely (not yet in the published data)."""

    year = models.PositiveIntegerField(_("年份"), unique=True)
    confirmed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("依据"), max_length=200, blank=True, help_text=_("例如：国务院办公厅通知文号"))

    class Meta:
        verbose_name = _("已确认年份")
        verbose_name_plural = _("已确认年份")

    def __str__(self) -> str:
        return str(self.year)

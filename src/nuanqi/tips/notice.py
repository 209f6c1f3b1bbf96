"""The public notice of a round, as data for the page and the JSON (the seed's table, cell by cell)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from .models import InspectionGroup, Round


def cn_date(d: date) -> str:
    """2023年3月27日."""
    return f"{d.year}年{d.month}月{d.day}日"


def _clock(t: str) -> str:
    """08:30 → 8:30, as the notice prints it."""
    hour, _, minute = t.partition(":")
    return f"{int(hour)}:{minute}"


def hours_text(r: Round) -> str:
    """工作日上午8:30-12:00 下午14:00-17:00."""
    parts = []
    for start, end in r.session_pairs():
        half = "上午" if int(start.split(":")[0]) < 12 else "下午"
        parts.append(f"{half}{_clock(start)}-{_clock(end)}")
    return "工作日" + " ".join(parts)


@dataclass(frozen=True)
class NoticeRow:
    group: str
    units: list[str]
    phone: str
    window: str
    hours: str
    postal: str
    email: str

    @property
    def cells(self) -> list[str]:
        """The four columns of the seed's table: 组别, 被巡察单位, 举报电话及受理时间, 联系邮箱."""
        return [
            self.group,
            "、".join(self.units),
            f"举报电话：{self.phone} 受理时间：{self.window} {self.hours}",
            f"1.邮政邮箱：{self.postal} 2.电子邮箱：{self.email}"
            if self.email
            else f"1.邮政邮箱：{self.postal}",
        ]


def rows(r: Round) -> list[NoticeRow]:
    window = f"{cn_date(r.window_start)}至{cn_date(r.window_end)}"
    out = []
    for g in _groups(r):
        out.append(
            NoticeRow(
                group=g.label,
                units=[u.label for u in g.target_units.all()],
                phone=g.phone,
                window=window,
                hours=hours_text(r),
                postal=f"{g.postal_address}（邮政编码：{g.postcode}）",
                email=g.email,
            )
        )
    return out


def _groups(r: Round) -> QuerySet[InspectionGroup]:
    return r.groups.prefetch_related("target_units").order_by("number")


def units_of(r: Round) -> list[str]:
    return [x.label for g in _groups(r) for x in g.target_units.all()]


def current_rounds() -> QuerySet[Round]:
    """Published rounds whose window is open or still to come."""
    return Round.objects.filter(published=True, window_end__gte=timezone.localdate()).order_by("window_start")

"""The 僵尸车 ledger: registering a vehicle left standing at a point, the steps taken (notice posted with its
date, photo and period; owner contacted; removed, with date and how), and the reminder when a notice has
passed its period with the vehicle still there (a 催办 on the linked problem, through the outbox like any
other event). Whoever sees the point sees its cars; the office, the point leader and the responsible unit's
handlers record the steps."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date

from nuanqi.accounts.models import Role
from nuanqi.cases import timeline
from nuanqi.cases.errors import Invalid
from nuanqi.cases.models import Case
from nuanqi.cases.visibility import visible_cases

from .access import visible_points
from .models import Point, Removal, ZombieCar
from .workflow import LIVE, PATROL

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

NOTICE_DAYS_MAX = 90
# A Chinese plate: the province's character, the issuing letter, then five (six for new-energy) letters or
# digits; 挂, 学, 警 … as the last character. People type them with spaces or a middle dot.
_PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{4,5}[A-Z0-9\u4e00-\u9fff]$")


def visible_zombie_cars(user: User) -> QuerySet[ZombieCar]:
    return ZombieCar.objects.filter(point__in=visible_points(user))


def editable_points(user: User) -> QuerySet[Point]:
    """The points whose cars this person records: the office all, a point leader his, a handler his unit's
    (a leader reads, but does not keep, the ledger)."""
    if not user.is_authenticated or not user.is_active:
        return Point.objects.none()
    if user.has_role(Role.ADMIN, Role.DISPATCHER):
        return Point.objects.all()
    q = Q(leader_id=user.pk)
    if user.unit_id and user.has_role(Role.HANDLER):
        q |= Q(responsible_unit_id=user.unit_id)
    return Point.objects.filter(q)


def can_edit(user: User, car: ZombieCar) -> bool:
    return editable_points(user).filter(pk=car.point_id).exists()


def _text(value: Any, label: str, max_length: int, *, required: bool, field: str) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise Invalid(f"请填写{label}", "missing_field", field=field)
    if len(text) > max_length:
        raise Invalid(f"{label}不能超过 {max_length} 字", "too_long", field=field)
    return text


def _day(value: Any, label: str, field: str, *, not_before: date | None = None) -> date:
    text = str(value or "").strip()
    if not text:
        raise Invalid(f"请填写{label}", "missing_field", field=field)
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise Invalid(f"{label}应为日期，如 2026-11-23", "invalid_date", field=field)
    if day > timezone.localdate():
        raise Invalid(f"{label}不能晚于今天", "invalid_date", field=field)
    if not_before is not None and day < not_before:
        raise Invalid(f"{label}不能早于首次发现日期 {not_before:%Y-%m-%d}", "invalid_date", field=field)
    return day


def clean_plate(value: Any) -> str:
    plate = re.sub(r"[\s·.\-]", "", str(value or "")).upper()
    if plate and not _PLATE.match(plate):
        raise Invalid(
            f"车牌号“{str(value)[:20]}”格式不正确（如 浙L12345；无牌可不填）", "invalid_plate", field="plate"
        )
    return plate


def register(user: User, data: dict[str, Any]) -> ZombieCar:
    """A new ledger row. `case` (optional) is the number of the 僵尸车 problem the reminders go to."""
    point_id = str(data.get("point") or "").strip()
    point = editable_points(user).filter(pk=int(point_id)).first() if point_id.isdigit() else None
    if point is None:
        raise Invalid("请选择您负责的点位", "unknown_point", field="point")
    case = None
    number = str(data.get("case") or "").strip()
    if number:
        case = visible_cases(user).filter(kind=PATROL, number=number).first()
        if case is None:
            raise Invalid(f"找不到巡查问题“{number[:20]}”，或您无权查看", "unknown_case", field="case")
    car = ZombieCar(
        plate=clean_plate(data.get("plate")),
        description=_text(data.get("description"), "车辆描述", 200, required=True, field="description"),
        place=_text(data.get("place"), "具体位置", 200, required=True, field="place"),
        point=point,
        first_seen=_day(data.get("first_seen"), "首次发现日期", "first_seen"),
        case=case,
        created_by=user,
    )
    car.save()
    return car


def _locked(user: User, car_id: int) -> ZombieCar:
    car = ZombieCar.objects.select_for_update().filter(pk=car_id, point__in=editable_points(user)).first()
    if car is None:
        raise ZombieCar.DoesNotExist
    return car


def post_notice(user: User, car_id: int, data: dict[str, Any], photo: Any) -> ZombieCar:
    """The notice (告知书) posted on the vehicle: its date, its period in days and a photo of it."""
    from nuanqi.attachments.services import store

    with transaction.atomic():
        car = _locked(user, car_id)
        if car.removed_on:
            raise Invalid("车辆已移除，无需再张贴告知书", "already_removed")
        on = _day(data.get("notice_posted_on"), "张贴日期", "notice_posted_on", not_before=car.first_seen)
        days_text = str(data.get("notice_days") or "7").strip()
        if not days_text.isdigit() or not 1 <= int(days_text) <= NOTICE_DAYS_MAX:
            raise Invalid(f"告知期限应为 1 至 {NOTICE_DAYS_MAX} 天", "invalid_days", field="notice_days")
        if photo is None:
            raise Invalid("请上传告知书张贴照片", "missing_field", field="photo")
        car.notice_posted_on, car.notice_days, car.reminded_at = on, int(days_text), None
        car.save(update_fields=["notice_posted_on", "notice_days", "reminded_at"])
        store(photo, owner=car, actor=user)
    return car


def contacted(user: User, car_id: int, data: dict[str, Any]) -> ZombieCar:
    with transaction.atomic():
        car = _locked(user, car_id)
        car.owner_contacted_on = _day(
            data.get("owner_contacted_on"), "联系车主日期", "owner_contacted_on", not_before=car.first_seen
        )
        car.owner_contact_note = _text(
            data.get("owner_contact_note"), "联系情况", 200, required=True, field="owner_contact_note"
        )
        car.save(update_fields=["owner_contacted_on", "owner_contact_note"])
    return car


def removed(user: User, car_id: int, data: dict[str, Any]) -> ZombieCar:
    with transaction.atomic():
        car = _locked(user, car_id)
        how = str(data.get("removed_how") or "").strip()
        if how not in Removal.values:
            options = "、".join(str(label) for label in Removal.labels)
            raise Invalid(f"处置方式须为：{options}", "invalid_choice", field="removed_how")
        car.removed_on = _day(data.get("removed_on"), "移除日期", "removed_on", not_before=car.first_seen)
        car.removed_how = how
        car.save(update_fields=["removed_on", "removed_how"])
    return car


def maybe_expired(today: date) -> Q:
    """A necessary condition in SQL for a notice past its period (every period is at least a day);
    `is_expired` decides with the row's own period."""
    return Q(removed_on__isnull=True, notice_posted_on__lt=today - timedelta(days=1))


def is_expired(car: ZombieCar, today: date) -> bool:
    return car.removed_on is None and car.notice_expires_on is not None and car.notice_expires_on < today


def remind(now: datetime, batch: int = 500) -> int:
    """The sweep: each car whose notice has expired is reminded once (per notice) — a 催办 on its live
    problem, which reaches the lead unit through the outbox. Safe in several workers: the row is claimed
    under its lock."""
    today = timezone.localtime(now).date()
    ids = list(
        ZombieCar.objects.filter(maybe_expired(today), reminded_at__isnull=True)
        .order_by("notice_posted_on", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    raised = 0
    for pk in ids:
        with transaction.atomic():
            car = ZombieCar.objects.select_for_update(skip_locked=True).filter(
                pk=pk, reminded_at__isnull=True
            )
            found = car.first()
            if found is None or not is_expired(found, today):
                continue
            found.reminded_at = now
            found.save(update_fields=["reminded_at"])
            if found.case_id:
                case = Case.objects.select_for_update().get(pk=found.case_id)
                if case.status in LIVE:
                    timeline.append(
                        case,
                        actor=None,
                        actor_name="系统",
                        action="remind",
                        reason=f"僵尸车告知书已于 {found.notice_expires_on:%Y-%m-%d} 期满，车辆仍未移走",
                        changes={"zombie_car": found.pk},
                        at=now,
                    )
                    case.updated_at = now
                    case.save(update_fields=["event_count", "event_head", "updated_at"])
            raised += 1
    return raised

"""The 僵尸车 ledger's pages: the list (with a filter and the form to register a car), a car's page (the
steps: notice, owner contacted, removed) and the .xlsx export. Whoever does not see a car's point gets 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from nuanqi.accounts.models import Role, User
from nuanqi.attachments.models import Attachment
from nuanqi.cases.errors import CaseError
from nuanqi.lib.excel import Column, write_ledger

from . import zombies
from .access import visible_points
from .models import Removal, ZombieCar

STATES = {
    "expired": gettext_lazy("告知期满未移走"),
    "standing": gettext_lazy("未移走"),
    "removed": gettext_lazy("已移走"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _may_read(user: User) -> None:
    """The ledger is for those who see points: the office, leaders, point leaders, the units' handlers."""
    if not (user.sees_everything or user.has_role(Role.POINT_LEADER, Role.HANDLER)):
        raise Http404
    if not visible_points(user).exists():
        raise Http404


def _filtered(request: HttpRequest, user: User) -> tuple[list[ZombieCar], str]:
    state = request.GET.get("state", "")
    cars = list(zombies.visible_zombie_cars(user).select_related("point", "point__town", "case"))
    today = timezone.localdate()
    if state == "expired":
        cars = [c for c in cars if zombies.is_expired(c, today)]
    elif state == "standing":
        cars = [c for c in cars if c.removed_on is None]
    elif state == "removed":
        cars = [c for c in cars if c.removed_on is not None]
    else:
        state = ""
    return cars, state


@login_required
@require_http_methods(["GET", "POST"])
def ledger(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _may_read(user)
    error, form = "", {}
    if request.method == "POST":
        form = {
            k: request.POST.get(k, "")
            for k in ("plate", "description", "point", "place", "first_seen", "case")
        }
        try:
            car = zombies.register(user, form)
        except CaseError as exc:
            error = exc.message
        else:
            return redirect("zombie_car", car_id=car.pk)
    cars, state = _filtered(request, user)
    today = timezone.localdate()
    rows = [{"car": c, "expired": zombies.is_expired(c, today)} for c in cars]
    context: dict[str, Any] = {
        "rows": rows,
        "state": state,
        "states": STATES,
        "points": zombies.editable_points(user).order_by("name"),
        "form": form,
        "error": error,
        "today": today,
    }
    return render(request, "patrol/zombies.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def car_page(request: HttpRequest, car_id: int) -> HttpResponse:
    user = _user(request)
    car = zombies.visible_zombie_cars(user).select_related("point", "case").filter(pk=car_id).first()
    if car is None:
        raise Http404
    error = ""
    if request.method == "POST":
        step = request.POST.get("step", "")
        steps = {
            "notice": lambda: zombies.post_notice(user, car.pk, request.POST, request.FILES.get("photo")),
            "contacted": lambda: zombies.contacted(user, car.pk, request.POST),
            "removed": lambda: zombies.removed(user, car.pk, request.POST),
        }
        if step not in steps:
            error = "未知的操作"
        else:
            try:
                steps[step]()
            except ZombieCar.DoesNotExist:
                raise Http404 from None
            except CaseError as exc:
                error = exc.message
            else:
                return redirect("zombie_car", car_id=car.pk)
    from django.contrib.contenttypes.models import ContentType

    photos = Attachment.objects.filter(
        owner_type=ContentType.objects.get_for_model(ZombieCar), owner_id=car.pk
    ).order_by("id")
    context = {
        "car": car,
        "photos": photos,
        "error": error,
        "editable": zombies.can_edit(user, car),
        "expired": zombies.is_expired(car, timezone.localdate()),
        "removals": Removal.choices,
        "today": timezone.localdate(),
    }
    return render(request, "patrol/zombie.html", context, status=400 if error else 200)


COLUMNS = (
    Column("车牌号", 12),
    Column("车辆描述", 30),
    Column("街道", 12),
    Column("点位", 16),
    Column("具体位置", 24),
    Column("首次发现", 12, "date"),
    Column("张贴告知书", 12, "date"),
    Column("告知期限（天）", 10, "int"),
    Column("告知期满", 12, "date"),
    Column("联系车主", 12, "date"),
    Column("联系情况", 24),
    Column("移除日期", 12, "date"),
    Column("处置方式", 12),
    Column("状态", 14),
    Column("关联问题", 16),
)


@login_required
@require_GET
def ledger_xlsx(request: HttpRequest) -> StreamingHttpResponse:
    user = _user(request)
    _may_read(user)
    cars, state = _filtered(request, user)
    today = timezone.localdate()

    def status(c: ZombieCar) -> str:
        if c.removed_on:
            return str(STATES["removed"])
        return str(STATES["expired"] if zombies.is_expired(c, today) else STATES["standing"])

    rows = [
        (
            c.plate or "无牌",
            c.description,
            c.point.town.name,
            c.point.name,
            c.place,
            c.first_seen,
            c.notice_posted_on,
            c.notice_days if c.notice_posted_on else None,
            c.notice_expires_on,
            c.owner_contacted_on,
            c.owner_contact_note,
            c.removed_on,
            c.get_removed_how_display() if c.removed_how else "",
            status(c),
            c.case.number if c.case_id and c.case else "",
        )
        for c in cars
    ]
    import io

    buf = io.BytesIO()
    notes = [("筛选", str(STATES.get(state, "全部")))]
    write_ledger(buf, COLUMNS, rows, title="僵尸车台账", notes=notes)
    response = StreamingHttpResponse(
        iter([buf.getvalue()]),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="zombie-cars-{today:%Y-%m-%d}.xlsx"'
    return response

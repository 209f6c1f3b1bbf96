"""The office manages point types, their checklists and the points (with their leaders) in /admin/."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .geo import gcj02_to_wgs84
from .models import CheckItem, Open311Key, Point, PointType


class CheckItemInline(admin.TabularInline):
    model = CheckItem
    extra = 1


@admin.register(PointType)
class PointTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "sort", "active")
    inlines = (CheckItemInline,)


@admin.register(CheckItem)
class CheckItemAdmin(admin.ModelAdmin):
    list_display = ("text", "topic", "point_type", "sort", "active")
    list_filter = ("point_type", "topic", "active")


class PointForm(forms.ModelForm):
    """Coordinates copied from a Chinese map picker are GCJ-02: converted to WGS-84 here, once."""

    datum = forms.ChoiceField(
        label=_("坐标系"),
        choices=(("wgs84", _("WGS-84（手机定位、GPS）")), ("gcj02", _("GCJ-02（高德、腾讯地图拾取）"))),
        initial="wgs84",
    )

    class Meta:
        model = Point
        fields = (
            "name",
            "point_type",
            "town",
            "community",
            "address",
            "latitude",
            "longitude",
            "leader",
            "responsible_unit",
            "active",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None):
            raise forms.ValidationError(_("纬度和经度须同时填写"))
        if lat is not None and lon is not None and data.get("datum") == "gcj02":
            w_lat, w_lon = gcj02_to_wgs84(float(lat), float(lon))
            data["latitude"], data["longitude"] = (
                Decimal(f"{w_lat:.6f}"),
                Decimal(f"{w_lon:.6f}"),
            )
        return data


@admin.register(Point)
class PointAdmin(admin.ModelAdmin):
    form = PointForm
    list_display = ("name", "point_type", "town", "community", "leader", "responsible_unit", "active")
    list_filter = ("point_type", "town", "active")
    search_fields = ("name", "address", "community")
    raw_id_fields = ("leader",)


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    """Keys are issued by `nuanqi open311 key create NAME` (the key is printed once, only its hash kept);
    here the office lists them and revokes one."""

    list_display = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a key that filed reports stays on record; revoke it instead

    @admin.action(description=_("吊销所选密钥"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Open311Key]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, _("已吊销 %(n)d 个密钥") % {"n": count})

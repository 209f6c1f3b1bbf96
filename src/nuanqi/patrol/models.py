"""Points (点位), their types and checklists, and the patrols walked on them."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    """The topics checklist items belong to; a patrol problem's category is its item's topic."""

    SANITATION = "sanitation", _("环境卫生")
    GREENERY = "greenery", _("绿化管护")
    PARKING = "parking", _("车辆停放")
    FACILITIES = "facilities", _("设施完好")
    GARBAGE = "garbage", _("垃圾堆放")
    ZOMBIE_CAR = "zombie_car", _("僵尸车")
    VOLUNTEERS = "volunteers", _("志愿服务")
    OTHER = "other", _("其他")


class PointType(models.Model):
    """居民小区, 农贸市场, 主次干道, 公园广场, 背街小巷 … (admin-managed)."""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    # Raised by every change to one of its checklist items; a patrol records the version it walked.
    checklist_version = models.PositiveIntegerField(_("检查清单版本"), default=1, editable=False)

    class Meta:
        ordering: ClassVar = ["sort", "name"]
        verbose_name = _("点位类型")
        verbose_name_plural = _("点位类型")

    def __str__(self) -> str:
        return self.name


class CheckItem(models.Model):
    """One line of a point type's checklist."""

    point_type = models.ForeignKey(
        PointType, on_delete=models.PROTECT, related_name="items", verbose_name=_("点位类型")
    )
    topic = models.CharField(_("类别"), max_length=20, choices=Topic.choices)
    text = models.CharField(_("检查内容"), max_length=200)
    sort = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering: ClassVar = ["point_type", "sort", "id"]
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")

    def __str__(self) -> str:
        return f"{self.get_topic_display()}：{self.text}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Any change to the checklist is a new version of it (old patrols keep the words they were walked
        with: each result stores its item's text and topic)."""
        from django.db.models import F

        super().save(*args, **kwargs)
        PointType.objects.filter(pk=self.point_type_id).update(checklist_version=F("checklist_version") + 1)


class Point(models.Model):
    """A 点位: where patrols happen, with its leader (点位长) and the unit responsible for fixing it.
    Coordinates are WGS-84 (what phones give); `geo.gcj02_to_wgs84` converts map-picker input."""

    name = models.CharField(_("名称"), max_length=100)
    point_type = models.ForeignKey(
        PointType, on_delete=models.PROTECT, related_name="points", verbose_name=_("点位类型")
    )
    town = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("镇街")
    )
    community = models.CharField(_("社区"), max_length=60, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度（WGS-84）"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度（WGS-84）"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_points",
        verbose_name=_("点位长"),
    )
    responsible_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="patrol_points", verbose_name=_("责任单位")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering: ClassVar = ["town", "name"]
        verbose_name = _("点位")
        verbose_name_plural = _("点位")
        constraints: ClassVar = [models.UniqueConstraint(fields=["town", "name"], name="uniq_point_name")]
        indexes: ClassVar = [models.Index(fields=["leader"], name="point_leader_idx")]

    def __str__(self) -> str:
        return self.name


class Patrol(models.Model):
    """One walk of a point's checklist, submitted once: `(patroller, idempotency_key)` is unique, so a
    submission repeated by a flaky connection finds the patrol it already made."""

    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("点位"))
    patroller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("巡查人")
    )
    idempotency_key = models.CharField(max_length=100)
    checklist_version = models.PositiveIntegerField(_("检查清单版本"), default=1)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"))

    class Meta:
        ordering: ClassVar = ["-submitted_at", "-id"]
        verbose_name = _("巡查记录")
        verbose_name_plural = _("巡查记录")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["patroller", "idempotency_key"], name="uniq_patrol_key")
        ]


class Outcome(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NA = "na", _("不适用")


class PatrolResult(models.Model):
    """One checklist item's outcome in a patrol; a failure points at the case it became."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(CheckItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查项"))
    # The item as it read when the patrol was made: a later edit of the checklist does not rewrite history.
    item_text = models.CharField(_("检查内容"), max_length=200, blank=True)
    item_topic = models.CharField(_("类别"), max_length=20, choices=Topic.choices, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("问题"),
    )
    relapse = models.BooleanField(_("复发"), default=False)

    class Meta:
        ordering: ClassVar = ["patrol", "item__sort", "id"]
        # Serves the relapse lookup: the same item's earlier failures.
        indexes: ClassVar = [models.Index(fields=["item", "outcome"], name="patrol_result_item_idx")]


class Open311Key(models.Model):
    """An Open311 client's API key, issued by an admin (`nuanqi open311 key create NAME`). Only the SHA-256
    of the key is stored (the key is 32 random bytes, so a fast hash is enough); it is shown once."""

    name = models.CharField(_("客户端名称"), max_length=60, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("Open311 接口密钥")
        verbose_name_plural = _("Open311 接口密钥")

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"


class Open311Report(models.Model):
    """What an Open311 client sent with a report, beside the case it became: the location in the form the
    client gave it (WGS-84 `lat`/`long`, an `address_string`, or an `address_id`, which is a point's id),
    the `media_url` as a link (never fetched by the server), and the service definition's attributes."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="open311")
    client = models.ForeignKey(Open311Key, on_delete=models.PROTECT, related_name="reports")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    address_string = models.CharField(max_length=250, blank=True)
    point = models.ForeignKey(Point, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    media_url = models.URLField(max_length=1000, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    email = models.EmailField(max_length=200, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("Open311 报告")
        verbose_name_plural = _("Open311 报告")


class Removal(models.TextChoices):
    OWNER = "owner", _("车主自行移走")
    TOWED = "towed", _("拖移")
    SCRAPPED = "scrapped", _("报废处置")
    OTHER = "other", _("其他")


class ZombieCar(models.Model):
    """A 僵尸车 ledger row: the vehicle, where it stands, and the steps taken — a notice posted on it (date,
    photo, period), the owner contacted, the vehicle removed (date, how). Seen by whoever sees its point."""

    plate = models.CharField(_("车牌号"), max_length=12, blank=True)
    description = models.CharField(_("车辆描述"), max_length=200)
    point = models.ForeignKey(
        Point, on_delete=models.PROTECT, related_name="zombie_cars", verbose_name=_("点位")
    )
    place = models.CharField(_("具体位置"), max_length=200)
    first_seen = models.DateField(_("首次发现"))
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("问题"),
    )
    notice_posted_on = models.DateField(_("张贴告知书日期"), null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("告知期限（天）"), default=7)
    owner_contacted_on = models.DateField(_("联系车主日期"), null=True, blank=True)
    owner_contact_note = models.CharField(_("联系情况"), max_length=200, blank=True)
    removed_on = models.DateField(_("移除日期"), null=True, blank=True)
    removed_how = models.CharField(_("处置方式"), max_length=10, choices=Removal.choices, blank=True)
    reminded_at = models.DateTimeField(_("期满提醒时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-first_seen", "-id"]
        verbose_name = _("僵尸车")
        verbose_name_plural = _("僵尸车台账")
        indexes: ClassVar = [
            # The reminder sweep: notices posted on cars still standing.
            models.Index(
                fields=["notice_posted_on"],
                condition=models.Q(removed_on__isnull=True, reminded_at__isnull=True),
                name="zombie_notice_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.plate or '无牌'} {self.description}"

    @property
    def notice_expires_on(self) -> Any:
        from datetime import timedelta

        if self.notice_posted_on is None:
            return None
        return self.notice_posted_on + timedelta(days=self.notice_days)

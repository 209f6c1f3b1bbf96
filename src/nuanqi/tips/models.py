"""巡察 rounds, their inspection groups and the public notice's data.

The seed's notice (十四届区委第四轮第二批巡察): three groups, each with its target unit, a tip phone, an
e-mail, the postal address 定海区昌国路61号区委巡察办转区委第N巡察组 (316000), the acceptance dates and the
working hours. Everything on the notice is a field here, so the notice page and `GET /api/v1/tips/rounds`
are rendered from data.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanqi.lib.cnnum import chinese_numeral

DEFAULT_SESSIONS = [["08:30", "12:00"], ["14:00", "17:00"]]

# 巡察工作条例: what a group takes tips on.
DEFAULT_SCOPE = (
    "主要受理反映被巡察党组织领导班子及其成员，近5年以来调离、退休、退二线的原领导班子成员，"
    "下一级党组织主要负责人和重要岗位领导干部问题的来信来电来访。"
    "重点是关于违反政治纪律、组织纪律、廉洁纪律、群众纪律、工作纪律和生活纪律等方面的举报和反映。"
)
DEFAULT_STANDING_CHANNEL = (
    "巡察受理期以外，请通过 12388 举报电话、12388 举报网站，或来信寄定海区纪委监委信访室反映。"
)


class Round(models.Model):
    """One round (and batch) of inspections: 十四届区委 第四轮 第二批."""

    term = models.CharField(_("届次"), max_length=20, help_text=_("如：十四届区委"))
    round_no = models.PositiveSmallIntegerField(_("轮次"))
    batch_no = models.PositiveSmallIntegerField(_("批次"), null=True, blank=True)
    window_start = models.DateField(_("受理开始日期"))
    window_end = models.DateField(_("受理截止日期"))
    # Working sessions on working days of the calendar in force (调休 included, holidays excluded).
    sessions = models.JSONField(_("受理时段"), default=list)
    scope = models.TextField(_("受理范围"), default=DEFAULT_SCOPE)
    standing_channel = models.TextField(_("常设举报渠道"), default=DEFAULT_STANDING_CHANNEL)
    published = models.BooleanField(_("已发布公告"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-window_start", "-id"]
        verbose_name = _("巡察轮次")
        verbose_name_plural = _("巡察轮次")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """十四届区委第四轮第二批巡察."""
        batch = f"第{chinese_numeral(self.batch_no)}批" if self.batch_no else ""
        return f"{self.term}第{chinese_numeral(self.round_no)}轮{batch}巡察"

    def session_pairs(self) -> list[tuple[str, str]]:
        return [(str(a), str(b)) for a, b in (self.sessions or DEFAULT_SESSIONS)]

    @property
    def hours(self) -> list[str]:
        """["08:30-12:00", "14:00-17:00"]."""
        return [f"{a}-{b}" for a, b in self.session_pairs()]

    def is_open_on(self, day: date) -> bool:
        return self.window_start <= day <= self.window_end


class InspectionGroup(models.Model):
    """区委第一巡察组: its target units, its contact channels, its members."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="groups", verbose_name=_("轮次"))
    number = models.PositiveSmallIntegerField(_("组号"))
    name = models.CharField(_("组别"), max_length=40, blank=True, help_text=_("留空则为“区委第N巡察组”"))
    target_units = models.ManyToManyField(
        "accounts.Unit", related_name="inspection_groups", verbose_name=_("被巡察单位")
    )
    phone = models.CharField(_("举报电话"), max_length=20)
    email = models.EmailField(_("联系邮箱"), blank=True)
    postal_address = models.CharField(_("邮政邮箱"), max_length=120)
    postcode = models.CharField(_("邮政编码"), max_length=6)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="GroupMember", related_name="inspection_groups", blank=True
    )

    class Meta:
        ordering: ClassVar = ["round_id", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["round", "number"], name="uniq_group_number"),
        ]
        verbose_name = _("巡察组")
        verbose_name_plural = _("巡察组")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name or f"区委第{chinese_numeral(self.number)}巡察组"


class GroupMember(models.Model):
    LEADER = "leader"
    MEMBER = "member"

    group = models.ForeignKey(InspectionGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(
        _("职务"), max_length=10, choices=[(LEADER, _("组长")), (MEMBER, _("组员"))], default=MEMBER
    )

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["group", "user"], name="uniq_group_member")]
        verbose_name = _("巡察组成员")
        verbose_name_plural = _("巡察组成员")

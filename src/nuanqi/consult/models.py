"""请你来协商 sessions and the people taking part. The questions raised are engine cases (kind `consult`)
that name their session as subject, so lists, clocks, timelines and exports are the engine's."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Session(models.Model):
    """One consultation (专题协商): topic, date, organiser (a 政协 committee), venue, the research report
    (its summary here, the file as an attachment owned by the session) and the minutes. `public` marks a
    session whose summary the public may read."""

    topic = models.CharField(_("协商主题"), max_length=200)
    held_on = models.DateField(_("协商日期"))
    organiser = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )
    venue = models.CharField(_("地点"), max_length=200, blank=True)
    report_summary = models.TextField(_("调研报告摘要"), blank=True, max_length=4000)
    minutes = models.TextField(_("会议纪要"), blank=True, max_length=20000)
    public = models.BooleanField(_("公开协商成果"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-held_on", "-id"]
        verbose_name = _("协商活动")
        verbose_name_plural = _("协商活动")

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.topic}"


class ParticipantRole(models.TextChoices):
    MEMBER = "member", _("政协委员")
    REPRESENTATIVE = "representative", _("界别群众代表")
    UNIT_HEAD = "unit_head", _("部门负责人")
    CITIZEN = "citizen", _("市民")


class Participant(models.Model):
    """Someone at the session: a person with an account, or a name only (members and representatives
    rarely have one). A unit head answers for `unit`."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(_("身份"), max_length=20, choices=ParticipantRole.choices)
    name = models.CharField(_("姓名"), max_length=60)
    sector = models.CharField(_("界别或职务"), max_length=100, blank=True)
    unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在单位"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["session", "role", "id"]
        verbose_name = _("参加人员")
        verbose_name_plural = _("参加人员")

    def __str__(self) -> str:
        return self.name

"""暖企 core records: companies, contacts, batches, commissioners, assignments, confidential notes."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scale(models.TextChoices):
    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")


class Company(models.Model):
    name = models.CharField(_("企业名称"), max_length=100, unique=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    industry = models.CharField(_("行业(GB/T 4754)"), max_length=10, blank=True)
    industry_name = models.CharField(_("行业名称"), max_length=60, blank=True)
    scale = models.CharField(_("规模"), max_length=10, choices=Scale.choices, blank=True)
    above_scale = models.BooleanField(_("规上企业"), default=False)
    town = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("所属镇街"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    key_company = models.BooleanField(_("重点企业"), default=False)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    # Labels policies look for: 高新技术企业, 专精特新, 科技型中小企业 …
    tags = models.JSONField(_("标签"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["name"]
        indexes: ClassVar = [
            # Import and API lookups by code; the unique constraint already indexes uscc, name too.
            models.Index(fields=["town", "industry"], name="company_town_industry"),
        ]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self) -> str:
        return self.name


class CompanyContact(models.Model):
    """A company's own login: the person who submits and follows the company's requests."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_links")
    title = models.CharField(_("职务"), max_length=60, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["company", "user"], name="uniq_company_contact")
        ]
        verbose_name = _("企业联系人")
        verbose_name_plural = _("企业联系人")


class Batch(models.Model):
    number = models.PositiveIntegerField(_("批次"), unique=True)
    name = models.CharField(_("名称"), max_length=30)
    started_on = models.DateField(_("派驻日期"))

    class Meta:
        ordering: ClassVar = ["number"]
        verbose_name = _("派驻批次")
        verbose_name_plural = _("派驻批次")

    def __str__(self) -> str:
        return self.name


class Commissioner(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commissioner"
    )
    former_post = models.CharField(_("原任职务"), max_length=100)
    batch = models.ForeignKey(
        Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="commissioners"
    )
    dispatched_on = models.DateField(_("派驻日期"))
    confidentiality_signed = models.BooleanField(_("已签保密条约"), default=False)
    confidentiality_signed_on = models.DateField(_("保密条约签订日期"), null=True, blank=True)
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("暖企专员")
        verbose_name_plural = _("暖企专员")

    def __str__(self) -> str:
        return str(self.user)


class Assignment(models.Model):
    """A commissioner serving a company for a period. History is kept: a handover ends one, starts another."""

    commissioner = models.ForeignKey(Commissioner, on_delete=models.PROTECT, related_name="assignments")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="assignments")
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering: ClassVar = ["-started_on", "-id"]
        constraints: ClassVar = [
            # One serving commissioner per company at a time.
            models.UniqueConstraint(
                fields=["company"], condition=models.Q(ended_on__isnull=True), name="uniq_active_assignment"
            ),
        ]
        indexes: ClassVar = [
            # The commissioner's current companies (visibility of cases, 我的清单).
            models.Index(fields=["commissioner", "ended_on"], name="assignment_current"),
        ]
        verbose_name = _("派驻关系")
        verbose_name_plural = _("派驻关系")


class ConfidentialNote(models.Model):
    """What the commissioner learns in confidence (finances, disputes, plans). Read only through
    `access.confidential_companies`: the serving commissioner with a signed agreement, the office, leaders."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="confidential_notes")
    text = models.TextField(_("内容"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("保密信息")
        verbose_name_plural = _("保密信息")


class WorkLogEntry(models.Model):
    """One line of a person's 工作笔记: when, where, what for."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="worklog")
    date = models.DateField(_("日期"))
    time = models.TimeField(_("时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("走访单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    company = models.ForeignKey(
        Company, verbose_name=_("企业"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    task = models.ForeignKey(
        "cases.Task",
        verbose_name=_("协办任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("记录"))
    # A line planned ahead (the commissioner's errand route for a coming day); it may lie in the future.
    planned = models.BooleanField(_("计划"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-date", "-time", "-id"]
        indexes: ClassVar = [models.Index(fields=["person", "-date"], name="worklog_person_date")]
        verbose_name = _("工作笔记")
        verbose_name_plural = _("工作笔记")

"""Outcomes: periodic indicators per company, compared before and after the commissioner arrived."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .core import Company


class Metric(models.TextChoices):
    OUTPUT = "output", _("产值")
    REVENUE = "revenue", _("营收")
    TAX = "tax", _("税收")
    EMPLOYEES = "employees", _("用工人数")
    ACCIDENTS = "accidents", _("安全事故数")


METRIC_UNITS = {"output": "万元", "revenue": "万元", "tax": "万元", "employees": "人", "accidents": "起"}


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年度")


class Indicator(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="indicators")
    metric = models.CharField(_("指标"), max_length=12, choices=Metric.choices)
    period_kind = models.CharField(_("周期"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    value = models.DecimalField(_("数值"), max_digits=16, decimal_places=2)
    source = models.CharField(_("来源"), max_length=10, default="form")  # form | api | excel | demo
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["company_id", "metric", "period_start"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["company", "metric", "period_kind", "period_start"], name="uniq_indicator_period"
            ),
        ]
        verbose_name = _("企业指标")
        verbose_name_plural = _("企业指标")

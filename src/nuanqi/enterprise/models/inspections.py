"""无事不扰: departments' planned inspections of companies, counted, warned about and merged."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .core import Company


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    DONE = "done", _("已检查")
    CANCELLED = "cancelled", _("已取消")


class Inspection(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="inspections")
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("检查单位"), on_delete=models.PROTECT, related_name="+"
    )
    planned_on = models.DateField(_("计划日期"))
    done_on = models.DateField(_("检查日期"), null=True, blank=True)
    purpose = models.CharField(_("检查事项"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED
    )
    # Inspections merged into one joint visit (综合查一次) share a label, e.g. "综合查一次-2023-04-12".
    joint_visit = models.CharField(_("综合查一次"), max_length=60, blank=True)
    # The warning shown when it was planned (the company was inspected within the window), kept as record.
    warning = models.CharField(_("提示"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["planned_on", "id"]
        indexes: ClassVar = [
            # A company's inspections in a period (counts, the 30-day warning, joint-visit proposals).
            models.Index(fields=["company", "planned_on"], name="inspection_company_date"),
        ]
        verbose_name = _("涉企检查")
        verbose_name_plural = _("涉企检查")

    @property
    def on(self) -> date:
        """The day it happened, or is planned to."""
        return self.done_on or self.planned_on

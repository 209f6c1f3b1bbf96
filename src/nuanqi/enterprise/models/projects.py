"""Company projects (MISSION §3/§7): investment, capacity and the milestone plan against what happened."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanqi.lib import milestones

from .core import Company


class Stage(models.TextChoices):
    APPROVAL = "approval", _("立项")
    LAND = "land", _("用地")
    EIA = "eia", _("环评")
    ENERGY = "energy", _("能评")
    PERMIT = "permit", _("施工许可")
    START = "start", _("开工")
    ACCEPTANCE = "acceptance", _("竣工验收")
    PRODUCTION = "production", _("投产")


STAGE_ORDER = {s.value: i for i, s in enumerate(Stage)}


class Project(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(_("项目名称"), max_length=200)
    investment = models.DecimalField(_("总投资(万元)"), max_digits=14, decimal_places=2, default=0)
    capacity = models.CharField(_("设计产能"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    # Cases about this project (the company's cases that serve it).
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="+", verbose_name=_("相关事项"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["company_id", "id"]
        verbose_name = _("企业项目")
        verbose_name_plural = _("企业项目")

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    stage = models.CharField(_("节点"), max_length=20, choices=Stage.choices)
    planned_on = models.DateField(_("计划日期"), null=True, blank=True)
    actual_on = models.DateField(_("实际日期"), null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["project", "stage"], name="uniq_project_stage"),
        ]
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")

    @property
    def days_ahead(self) -> int | None:
        """Positive: done that many days before plan (提前); negative: late (`lib.milestones`)."""
        return milestones.days_ahead(self.planned_on, self.actual_on, timezone.localdate())

    @property
    def sort_key(self) -> int:
        return STAGE_ORDER.get(self.stage, 99)

    def is_late(self, today: date | None = None) -> bool:
        return milestones.is_late(self.planned_on, self.actual_on, today or timezone.localdate())

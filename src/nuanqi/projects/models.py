"""民生实事 and 重点工程 projects, programmes (东海百里文廊 → sections → sites), milestones, baselines,
progress reports and 停工 periods. Company projects stay in 暖企 (`enterprise.Project`): they share the
milestone arithmetic (`lib.milestones`), not the table, because their milestones are a fixed list of
approval stages while these are a free plan per project."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Weighting(models.TextChoices):
    INVESTMENT = "investment", _("按计划投资加权")
    COUNT = "count", _("按项目个数平均")


class Programme(models.Model):
    """A tree of projects rolled up into one figure (东海百里文廊). Its sections and sites are projects whose
    `programme` is this one; a section's children name it as `parent`."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True, max_length=4000)
    weighting = models.CharField(
        _("汇总方式"), max_length=20, choices=Weighting.choices, default=Weighting.INVESTMENT
    )
    lead_unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("牵头单位"),
    )

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("项目群")
        verbose_name_plural = _("项目群")

    def __str__(self) -> str:
        return self.name


class ProjectKind(models.TextChoices):
    LIVELIHOOD = "livelihood", _("民生实事")
    KEY = "key", _("重点工程")
    SECTION = "section", _("项目群分段")
    SITE = "site", _("景观点位")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("未开工")
    ACTIVE = "active", _("在建")
    STOPPED = "stopped", _("停工")
    DONE = "done", _("已完工")


class Project(models.Model):
    """One project. A section of a programme is a project too: its percent is rolled up from its children
    instead of reported."""

    name = models.CharField(_("项目名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=ProjectKind.choices)
    programme = models.ForeignKey(
        Programme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("项目群"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    theme = models.CharField(_("主题"), max_length=100, blank=True)
    description = models.TextField(_("建设内容"), blank=True, max_length=4000)
    category = models.CharField(_("行业类别"), max_length=40, blank=True)
    town = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("镇街"),
    )
    owner_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="owned_projects", verbose_name=_("责任单位")
    )
    owner_name = models.CharField(_("建设主体（企业）"), max_length=200, blank=True)
    investment_planned = models.DecimalField(
        _("计划投资（万元）"), max_digits=14, decimal_places=2, default=0
    )
    investment_done = models.DecimalField(
        _("累计完成投资（万元）"), max_digits=14, decimal_places=2, default=0
    )
    start = models.DateField(_("计划开工"), null=True, blank=True)
    planned_end = models.DateField(_("计划完工"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    # The latest reported percent (None: nothing reported yet); sections roll up instead.
    percent = models.DecimalField(
        _("形象进度（%）"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    reported_on = models.DateField(_("最近填报"), null=True, blank=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)
    # What the worker's sweep last saw, and when: a light turning worse files a warning once
    # (`projects.sweep`); a new report clears the date so the next pass looks again.
    light_seen = models.CharField(max_length=10, blank=True, editable=False)
    light_checked_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering: ClassVar = ["sort", "id"]
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        indexes: ClassVar = [
            # The owner's projects (a unit handler's list) and a programme's tree.
            models.Index(fields=["owner_unit"], name="project_owner_idx"),
            models.Index(fields=["programme", "parent"], name="project_tree_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("节点"), max_length=100)
    planned_on = models.DateField(_("计划日期"))
    actual_on = models.DateField(_("实际日期"), null=True, blank=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering: ClassVar = ["project", "sort", "planned_on", "id"]
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")

    def __str__(self) -> str:
        return self.name


class Baseline(models.Model):
    """A frozen copy of an approved plan: re-planning adds a new one, the old ones stay visible."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="baselines")
    approved_on = models.DateField(_("批准日期"))
    start = models.DateField(_("计划开工"))
    planned_end = models.DateField(_("计划完工"))
    milestones = models.JSONField(_("节点计划"), default=list)
    note = models.CharField(_("调整说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["project", "approved_on", "id"]
        verbose_name = _("计划基线")
        verbose_name_plural = _("计划基线")


class Stoppage(models.Model):
    """停工: a period that stops the 序时进度 clock (both days included; `end` empty while it lasts)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stoppages")
    start = models.DateField(_("停工日期"))
    end = models.DateField(_("复工前一日"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=500)

    class Meta:
        ordering: ClassVar = ["project", "start"]
        verbose_name = _("停工记录")
        verbose_name_plural = _("停工记录")


class ProgressReport(models.Model):
    """What the owner reported on a day: the percent done, a text, photos (attachments owned by the
    report). The project's `percent` is the latest report's."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    reported_on = models.DateField(_("填报日期"))
    percent = models.DecimalField(
        _("形象进度（%）"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    investment_done = models.DecimalField(
        _("累计完成投资（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    text = models.TextField(_("进展情况"), max_length=4000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["project", "-reported_on", "-id"]
        verbose_name = _("进度填报")
        verbose_name_plural = _("进度填报")


class LightRule(models.Model):
    """The 序时进度 thresholds (one row, edited by an admin): yellow from `yellow` points behind, red beyond
    `red` points, and red when not started `not_started_months` after the planned start."""

    yellow = models.DecimalField(_("黄灯（落后百分点，含）"), max_digits=4, decimal_places=1, default=10)
    red = models.DecimalField(_("红灯（落后超过百分点）"), max_digits=4, decimal_places=1, default=30)
    not_started_months = models.PositiveSmallIntegerField(_("逾期未开工（月）"), default=3)

    class Meta:
        verbose_name = _("序时进度规则")
        verbose_name_plural = _("序时进度规则")


class ResearchVisit(models.Model):
    """调研: who visited what and when, and what they found. Each suggestion is filed as a `project` case
    about the project it concerns (`Suggestion` keeps which visit it came from)."""

    programme = models.ForeignKey(
        Programme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("项目群"),
    )
    title = models.CharField(_("调研主题"), max_length=200)
    visited_on = models.DateField(_("调研日期"))
    organiser = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )
    visitors = models.CharField(_("参加人员"), max_length=500, blank=True)
    findings = models.TextField(_("调研情况"), blank=True, max_length=8000)

    class Meta:
        ordering: ClassVar = ["-visited_on", "-id"]
        verbose_name = _("调研")
        verbose_name_plural = _("调研")

    def __str__(self) -> str:
        return self.title


class Suggestion(models.Model):
    visit = models.ForeignKey(ResearchVisit, on_delete=models.CASCADE, related_name="suggestions")
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering: ClassVar = ["visit", "id"]


class ProjectChange(models.Model):
    """The audit trail of the office's edits (编辑记录): a project or programme created or changed, a
    milestone added, changed or removed, a plan re-approved — who, when, and each field from what to what.
    Progress reports, 停工 and 复工 keep their own rows."""

    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    action = models.CharField(_("操作"), max_length=30)
    changes = models.JSONField(_("变更内容"), default=dict)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))

    class Meta:
        ordering: ClassVar = ["-at", "-id"]
        verbose_name = _("编辑记录")
        verbose_name_plural = _("编辑记录")

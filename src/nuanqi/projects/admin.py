"""The office manages programmes, projects with their milestones and stoppages, and the 序时进度 thresholds in
/admin/. Progress reports come from the owners' pages; baselines are frozen by `services.freeze_baseline`."""

from __future__ import annotations

from django.contrib import admin

from .models import Baseline, LightRule, Milestone, Programme, Project, Stoppage


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 1


class StoppageInline(admin.TabularInline):
    model = Stoppage
    extra = 0


class BaselineInline(admin.TabularInline):
    model = Baseline
    extra = 0
    can_delete = False
    readonly_fields = ("approved_on", "start", "planned_end", "milestones", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "weighting", "lead_unit")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "programme",
        "parent",
        "town",
        "owner_unit",
        "start",
        "planned_end",
        "status",
    )
    list_filter = ("kind", "programme", "status")
    search_fields = ("name", "theme", "owner_name")
    inlines = (MilestoneInline, StoppageInline, BaselineInline)


@admin.register(LightRule)
class LightRuleAdmin(admin.ModelAdmin):
    list_display = ("yellow", "red", "not_started_months")

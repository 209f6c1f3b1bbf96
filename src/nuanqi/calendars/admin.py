from django.contrib import admin

from .models import CalendarDay, ConfirmedYear, WorkSchedule
from .services import invalidate


class _Invalidating(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        invalidate()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        invalidate()


@admin.register(CalendarDay)
class CalendarDayAdmin(_Invalidating):
    list_display = ("date", "workday", "name")
    list_filter = ("workday",)
    date_hierarchy = "date"


@admin.register(WorkSchedule)
class WorkScheduleAdmin(_Invalidating):
    list_display = ("name", "sessions", "valid_from", "valid_to", "season_from", "season_to", "priority")


@admin.register(ConfirmedYear)
class ConfirmedYearAdmin(_Invalidating):
    list_display = ("year", "note", "confirmed_at")

from django.contrib import admin
from django.utils.translation import gettext as _

from .models import CalendarDay, ConfirmedYear, WorkSchedule
from .services import invalidate, recompute_after_notice


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

    def save_model(self, request, obj, form, change):
        # Confirming a year replaces its statutory guess: deadlines computed on the guess are recomputed.
        super().save_model(request, obj, form, change)
        if not change:
            moved = recompute_after_notice(obj.year, obj.note)
            self.message_user(
                request, _("已按新的 %(year)s 年日历重算 %(n)s 个事项的期限") % {"year": obj.year, "n": moved}
            )

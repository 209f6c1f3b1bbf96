from django.contrib import admin

from .models import GroupMember, InspectionGroup, Round


class GroupInline(admin.TabularInline):
    model = InspectionGroup
    extra = 0
    fields = ("number", "name", "phone", "email", "postal_address", "postcode")


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ("__str__", "window_start", "window_end", "published")
    inlines = (GroupInline,)


class MemberInline(admin.TabularInline):
    model = GroupMember
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(InspectionGroup)
class InspectionGroupAdmin(admin.ModelAdmin):
    list_display = ("__str__", "round", "phone", "email")
    filter_horizontal = ("target_units",)
    inlines = (MemberInline,)

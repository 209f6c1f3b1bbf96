from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import RoleGrant, Unit, User


class RoleInline(admin.TabularInline):
    model = RoleGrant
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "unit", "phone", "is_active")
    search_fields = ("username", "display_name", "phone")
    inlines = (RoleInline,)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("人员信息", {"fields": ("display_name", "phone", "unit", "title")}),
    )


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "parent", "in_district", "region_code")
    list_filter = ("kind", "in_district")
    search_fields = ("name", "short_name")

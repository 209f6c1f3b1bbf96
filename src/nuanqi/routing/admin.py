from django.contrib import admin

from .models import KeywordRule


@admin.register(KeywordRule)
class KeywordRuleAdmin(admin.ModelAdmin):
    list_display = ("unit", "category", "words", "active")
    list_filter = ("active", "unit")
    search_fields = ("words", "unit__name")
    autocomplete_fields = ()

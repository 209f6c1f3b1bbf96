from django.contrib import admin

from .models import ChannelConfig, Delivery, Preference


@admin.register(ChannelConfig)
class ChannelConfigAdmin(admin.ModelAdmin):
    list_display = ("kind", "enabled", "url", "rate_per_minute", "note")


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "channel", "enabled", "address")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "case_number", "title", "recipient", "channel", "status", "attempts", "sent_at")
    list_filter = ("status", "channel")
    search_fields = ("case_number", "title")
    raw_id_fields = ("event", "recipient")

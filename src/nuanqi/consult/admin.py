"""The 政协 staff's sessions and participants in /admin/ (the pages register sessions and items too)."""

from __future__ import annotations

from django.contrib import admin

from .models import Participant, Session


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 1


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("topic", "held_on", "organiser", "public")
    inlines = (ParticipantInline,)

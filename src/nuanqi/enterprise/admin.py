"""The office's back office for the programme's reference data: batches, commissioners (the signed
agreement), policies and their eligibility, projects. Day-to-day work goes through the pages and the API."""

from __future__ import annotations

from django.contrib import admin

from .models import Batch, Commissioner, Company, CompanyContact, Milestone, Policy, Project


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "started_on")


@admin.register(Commissioner)
class CommissionerAdmin(admin.ModelAdmin):
    list_display = ("user", "former_post", "batch", "dispatched_on", "confidentiality_signed", "active")
    list_filter = ("batch", "confidentiality_signed", "active")
    search_fields = ("user__display_name", "user__username", "former_post")


class ContactInline(admin.TabularInline):
    model = CompanyContact
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "industry", "scale", "above_scale", "town", "key_company")
    list_filter = ("scale", "above_scale", "key_company", "town")
    search_fields = ("name", "uscc")
    inlines = (ContactInline,)


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("title", "level", "issuer", "doc_number", "deadline", "auto_grant", "active")
    list_filter = ("level", "auto_grant", "active")
    search_fields = ("title", "doc_number", "issuer")


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "company", "investment")
    search_fields = ("name", "company__name")
    raw_id_fields = ("company",)
    filter_horizontal = ()
    exclude = ("cases",)
    inlines = (MilestoneInline,)

"""Django admin of outreach: every change audited (core.admin.AuditedAdmin)."""

from django.contrib import admin

from lianxin.core.admin import AuditedAdmin

from .models import Household, Pairing, Visit


class PairingInline(admin.TabularInline):
    model = Pairing
    extra = 0
    fields = ["cadre", "starts_on", "ends_on"]
    readonly_fields = ["cadre", "starts_on", "ends_on"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # pairing and reassignment go through the services (history kept)


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin):
    list_display = ["head_name", "unit", "members", "difficulty", "is_active"]
    list_filter = ["difficulty", "is_active"]
    search_fields = ["head_name", "unit__name"]
    autocomplete_fields = ["unit", "consent_recorded_by"]
    readonly_fields = ["created_at"]
    inlines = [PairingInline]


@admin.register(Pairing)
class PairingAdmin(AuditedAdmin):
    list_display = ["household", "cadre", "starts_on", "ends_on"]
    list_filter = ["ends_on"]
    search_fields = ["household__head_name", "cadre__username"]
    autocomplete_fields = ["household", "cadre"]
    readonly_fields = ["created_at"]


@admin.register(Visit)
class VisitAdmin(AuditedAdmin):
    list_display = ["pairing", "visited_on", "form", "recorded_by"]
    list_filter = ["form"]
    date_hierarchy = "visited_on"
    raw_id_fields = ["pairing", "appeal", "recorded_by"]
    readonly_fields = ["client_uuid", "created_at"]

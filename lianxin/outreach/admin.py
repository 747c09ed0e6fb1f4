"""Django admin of outreach: every change audited (core.admin.AuditedAdmin)."""

from django.contrib import admin

from lianxin.core.admin import AuditedAdmin

from .models import (
    Booking,
    ContactPoint,
    Household,
    Pairing,
    ReceptionDay,
    ReceptionMatter,
    ReceptionSlot,
    Visit,
)


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


@admin.register(ContactPoint)
class ContactPointAdmin(AuditedAdmin):
    list_display = ["name", "kind", "leader", "unit", "is_public"]
    list_filter = ["kind", "is_public"]
    search_fields = ["name", "address", "unit__name"]
    autocomplete_fields = ["leader", "unit", "village"]
    readonly_fields = ["created_at"]


class SlotInline(admin.TabularInline):
    model = ReceptionSlot
    extra = 0
    fields = ["starts_at", "ends_at", "capacity"]
    readonly_fields = ["starts_at", "ends_at", "capacity"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # slots are published through the schedule page (audited, checked)


@admin.register(ReceptionDay)
class ReceptionDayAdmin(AuditedAdmin):
    list_display = ["contact_point", "day", "status"]
    list_filter = ["status"]
    date_hierarchy = "day"
    raw_id_fields = ["contact_point"]
    readonly_fields = ["status", "version", "created_at", "updated_at"]
    inlines = [SlotInline]


@admin.register(Booking)
class BookingAdmin(AuditedAdmin):
    list_display = ["code", "slot", "status", "anonymous"]
    list_filter = ["status", "anonymous"]
    search_fields = ["code"]
    raw_id_fields = ["slot", "booked_by"]
    readonly_fields = ["code", "status", "version", "created_at", "updated_at"]


@admin.register(ReceptionMatter)
class ReceptionMatterAdmin(AuditedAdmin):
    list_display = ["title", "reception", "appeal"]
    raw_id_fields = ["reception", "booking", "appeal", "recorded_by"]
    readonly_fields = ["created_at"]

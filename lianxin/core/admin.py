from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, CalendarOverride, Notification, RoleAssignment, Unit


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    inlines = [RoleInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only."""

    list_display = ["id", "created_at", "actor_label", "action", "object_type", "object_id",
                    "from_state", "to_state"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "recipient", "subject", "status"]
    list_filter = ["channel", "status"]
    readonly_fields = ["address"]

# The admin site is Lianxin's, not "Django's": its titles in the page's language.
admin.site.site_header = _("Lianxin administration")
admin.site.site_title = _("Lianxin administration")
admin.site.index_title = _("Site administration")

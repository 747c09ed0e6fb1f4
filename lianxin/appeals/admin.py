from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from lianxin.core.admin import AuditedAdmin

from .models import Appeal, Category


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "parent",
        "default_unit",
        "auto_dispatch",
        "handling_days",
        "contact_hours",
        "is_active",
    ]
    list_filter = ["auto_dispatch", "is_active", "parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["default_unit", "parent"]


if TYPE_CHECKING:
    AppealModelAdmin = admin.ModelAdmin[Appeal]
else:  # ModelAdmin takes no type argument at run time
    AppealModelAdmin = admin.ModelAdmin


@admin.register(Appeal)
class AppealAdmin(AppealModelAdmin):
    """Read-only here: every change of an appeal goes through its services (and the audit log)."""

    list_display = ["tracking_number", "title", "status", "unit", "urgency", "created_at"]
    list_filter = ["status", "urgency", "track", "channel"]
    search_fields = ["tracking_number", "title"]
    exclude = ["contact_name", "contact_phone", "contact_email", "contact_phone_key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False

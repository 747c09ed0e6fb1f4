from django.contrib import admin

from .models import Call


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    """Read only: calls are written by the console's services, each audited."""

    list_display = ("started_at", "operator", "outcome", "appeal", "article")
    list_filter = ("outcome", "source")
    date_hierarchy = "started_at"
    # The number is not listed or searched here: administrators do not need it (PIPL).
    exclude = ("phone",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

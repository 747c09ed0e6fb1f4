from django.contrib import admin

from .models import RouterModel


@admin.register(RouterModel)
class RouterModelAdmin(admin.ModelAdmin):
    list_display = ["version", "created_at", "is_active", "training_rows", "macro_f1"]
    readonly_fields = [f.name for f in RouterModel._meta.fields]

    @admin.display(description="macro-F1")
    def macro_f1(self, obj):
        return obj.metrics.get("macro_f1")

    def has_add_permission(self, request):
        return False

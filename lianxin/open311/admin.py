from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.admin import AuditedAdmin

from . import services
from .models import ApiKey, ServiceAttribute


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created and revoked through the services (audited); the key is shown once."""

    list_display = ["name", "created_at", "revoked_at"]
    search_fields = ["name"]
    fields = ["name", "created_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return ["name", "created_at", "revoked_at"] if obj else ["created_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return
        key, raw = services.api_key_create(name=form.cleaned_data["name"], actor=request.user)
        obj.pk = key.pk
        self.message_user(
            request,
            _("The new key for %(name)s (shown only this once): %(key)s")
            % {"name": key.name, "key": raw},
            messages.WARNING,
        )

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset:
            services.api_key_revoke(key=key, actor=request.user)


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(AuditedAdmin):
    list_display = ["category", "order", "code", "datatype", "required", "is_active"]
    list_filter = ["datatype", "required", "is_active"]
    search_fields = ["code", "description", "category__code"]
    autocomplete_fields = ["category"]

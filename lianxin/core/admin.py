from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from .models import AuditEvent, CalendarOverride, Notification, RoleAssignment, Unit
from .services import password_changed, record_delete, record_save


class AuditedAdmin(admin.ModelAdmin):
    """Every change made in the admin goes through core.services and so into the audit chain:
    an administrator's grant of a role is on record like a handler's reply."""

    def save_model(self, request, obj, form, change):
        record_save(obj=obj, actor=request.user, changed=form.changed_data, created=not change)

    def delete_model(self, request, obj):
        record_delete(obj=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record_delete(obj=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        """Inline rows (a unit's role assignments) are recorded one by one."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record_delete(obj=obj, actor=request.user)
        changed = {id(f.instance): f.changed_data for f in formset.forms}
        for obj in instances:
            record_save(obj=obj, actor=request.user, changed=changed.get(id(obj), []),
                        created=obj.pk is None)
        formset.save_m2m()


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "code", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    inlines = [RoleInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(AuditedAdmin):
    list_display = ["date", "is_workday", "note"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    """People: who may sign in, staff and superuser flags, passwords (recorded as changed,
    never their value)."""

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                password_changed(user=self.get_object(request, id), actor=request.user)
        return response


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

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import action_label
from .models import AuditEvent, CalendarOverride, Notification, RoleAssignment, Unit
from .services import password_changed, record_delete, record_save, two_factor_reset

# The admin's classes are generic for the type checker only (Django has no runtime
# __class_getitem__ for them).
if TYPE_CHECKING:
    ModelAdmin = admin.ModelAdmin[Any]
    TabularInline = admin.TabularInline[Any, Any]
    BaseUserAdmin = UserAdmin[Any]
else:
    ModelAdmin, TabularInline, BaseUserAdmin = admin.ModelAdmin, admin.TabularInline, UserAdmin


class AuditedAdmin(ModelAdmin):
    """Every change made in the admin goes through core.services and so into the audit chain:
    an administrator's grant of a role is on record like a handler's reply."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        record_save(obj=obj, actor=request.user, changed=form.changed_data, created=not change)

    def delete_model(self, request: Any, obj: Any) -> None:
        record_delete(obj=obj, actor=request.user)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in queryset:
            record_delete(obj=obj, actor=request.user)

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        """Inline rows (a unit's role assignments) are recorded one by one."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record_delete(obj=obj, actor=request.user)
        changed = {id(f.instance): f.changed_data for f in formset.forms}
        for obj in instances:
            record_save(
                obj=obj,
                actor=request.user,
                changed=changed.get(id(obj), []),
                created=obj.pk is None,
            )
        formset.save_m2m()


class RoleInline(TabularInline):
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


def _model_of(object_type: str) -> type[models.Model] | None:
    """The model an audit event is about ("appeals.appeal"), if it still exists."""
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _state_label(object_type: str, state: str) -> str:
    """A recorded state in words: the label of the model's `status` choice, else the code."""
    model = _model_of(object_type)
    try:
        choices = dict(getattr(model._meta.get_field("status"), "flatchoices", ())) if model else {}
    except FieldDoesNotExist:
        choices = {}
    return str(choices.get(state, state))


class ActionFilter(admin.SimpleListFilter):
    """Filter by action, each named in words (core.audit.ACTION_LABELS)."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[Any, str]]:
        codes = AuditEvent.objects.order_by().values_list("action", flat=True).distinct()
        return [(code, action_label(code)) for code in sorted(codes)]

    def queryset(self, request: Any, queryset: Any) -> Any:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ModelAdmin):
    """Read-only: the log is append-only."""

    list_display = [
        "id",
        "created_at",
        "actor_label",
        "action_name",
        "object_label",
        "object_id",
        "from_label",
        "to_label",
    ]
    list_filter = [ActionFilter, "object_type"]
    search_fields = ["object_id"]
    # One event's page shows the same words as the list.
    fields = readonly_fields = (
        "created_at",
        "actor",
        "actor_label",
        "action_name",
        "object_label",
        "object_id",
        "from_label",
        "to_label",
        "reason",
        "data",
        "content_hash",
        "seq",
        "prev_hash",
        "hash",
    )

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, event: AuditEvent) -> str:
        return action_label(event.action)

    @admin.display(description=_("object type"), ordering="object_type")
    def object_label(self, event: AuditEvent) -> str:
        model = _model_of(event.object_type)
        return str(model._meta.verbose_name) if model else event.object_type

    @admin.display(description=_("from state"), ordering="from_state")
    def from_label(self, event: AuditEvent) -> str:
        return _state_label(event.object_type, event.from_state)

    @admin.display(description=_("to state"), ordering="to_state")
    def to_label(self, event: AuditEvent) -> str:
        return _state_label(event.object_type, event.to_state)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ModelAdmin):
    list_display = ["created_at", "channel", "recipient", "subject", "status"]
    list_filter = ["channel", "status"]
    readonly_fields = ["address"]


# The admin site is Lianxin's, not "Django's": its titles in the page's language.
admin.site.site_header = _("Lianxin administration")
admin.site.site_title = _("Lianxin administration")
admin.site.index_title = _("Site administration")

# Strings of Django's admin (5.2) that its own Chinese catalogue lacks; naming them here keeps
# their translations in ours (which takes precedence). Their JavaScript counterparts are in
# locale/zh_Hans/LC_MESSAGES/djangojs.po.
DJANGO_ADMIN_STRINGS = [
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Error:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("In case you’ve forgotten, you are:"),
    # Django's own Chinese leaves the key names in English.
    gettext_noop("Hold down “Control”, or “Command” on a Mac, to select more than one."),
]

# Django stores the names of the built-in permissions in English ("Can add appeal") when the
# tables are made; the lists of permissions show them in the page's language instead.
PERMISSION_ACTIONS = {
    "add": _("add"),
    "change": _("change"),
    "delete": _("delete"),
    "view": _("view"),
}


def permission_label(permission: Any) -> str:
    action, _sep, model = permission.codename.partition("_")
    name = PERMISSION_ACTIONS.get(action) if model == permission.content_type.model else None
    return f"{permission.content_type} | {name or permission.name}"


class TranslatedPermissionsMixin(ModelAdmin):
    def formfield_for_manytomany(self, db_field: Any, request: Any = None, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name in ("permissions", "user_permissions"):
            # Django's documented way to relabel a choice field's options.
            field.label_from_instance = permission_label  # type: ignore[method-assign,assignment]
        return field


admin.site.unregister(get_user_model())
admin.site.unregister(Group)


# Second-factor devices change only through core.services (set up by their owner, reset by an
# administrator below), audited, and their keys are never shown again: not in the admin.
admin.site.unregister(TOTPDevice)


@admin.register(get_user_model())
class LianxinUserAdmin(TranslatedPermissionsMixin, AuditedAdmin, BaseUserAdmin):
    """People: who may sign in, staff and superuser flags, passwords (recorded as changed,
    never their value), and resetting a lost authenticator app."""

    list_display = ("username", "email", "first_name", "last_name", "is_staff", "has_authenticator")
    actions = ["reset_two_factor"]

    @admin.display(description=_("authenticator app set up"), boolean=True)
    def has_authenticator(self, user: Any) -> bool:
        return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())

    @admin.action(
        description=_("Reset the second factor (lost or replaced phone)"), permissions=["change"]
    )
    def reset_two_factor(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        for user in queryset:
            two_factor_reset(user=user, actor=request.user, reason="admin")
        self.message_user(
            request,
            _(
                "Second factor reset for %(count)d people: each sets up their authenticator app "
                "again at their next sign-in, and their API tokens were revoked."
            )
            % {"count": len(queryset)},
            messages.SUCCESS,
        )

    def user_change_password(self, request: Any, id: str, form_url: str = "") -> HttpResponse:  # noqa: A002 - Django's name
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                password_changed(user=self.get_object(request, id), actor=request.user)
        return response


@admin.register(Group)
class LianxinGroupAdmin(TranslatedPermissionsMixin, AuditedAdmin, GroupAdmin):
    pass

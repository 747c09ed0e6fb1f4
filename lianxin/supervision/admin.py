"""Django admin of the supervision app, one section per capability."""

from django.contrib import admin

# --- integrity records ------------------------------------------------------------------------
# Declarations and personal-matter reports are deliberately NOT registered: the admin site is
# open to superusers, and only the organisation department and the inspectors may read them
# (through the logged pages). Spot checks and the read log are shown read-only.
from .models import IntegrityReadLog, SpotCheck


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SpotCheck)
class SpotCheckAdmin(_ReadOnly):
    list_display = ["year", "unit", "seed", "share", "status", "created_at", "drawn_at"]
    list_filter = ["year", "status"]


@admin.register(IntegrityReadLog)
class IntegrityReadLogAdmin(_ReadOnly):
    list_display = ["at", "user", "kind", "declaration_id", "report_id"]
    list_filter = ["kind"]
    date_hierarchy = "at"


# --- reporting channel (举报) -------------------------------------------------------------------
# Nothing is registered, on purpose: reports are for inspectors only (administrators included in
# "nobody else"), and their rows hold nothing an administrator could act on (content, files and
# messages are sealed). Inspector keys are created with `inspector_keys_create` or on
# /supervision/cases/key/.

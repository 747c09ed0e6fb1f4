"""Django admin pages of the evaluation app, one section per capability."""

from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_lazy

from lianxin.core.access import may
from lianxin.core.errors import LianxinError

from .models.appraisal import (
    AppraisalCampaign,
    AppraisalQuestion,
    AppraisalTarget,
)
from .models.indicators import (
    Indicator,
    IndicatorScheme,
    ResultSnapshot,
    UnitResult,
)
from .models.reports import DutyReport, Inquiry, ReportRating
from .services.appraisal import (
    appraisal_campaign_close,
    appraisal_campaign_open,
    appraisal_campaign_publish,
)

# --- democratic appraisal ---------------------------------------------------------------------
# Campaigns are made and edited on the app's own pages (/evaluation/appraisal/) through the
# services, and so in the audit log; here they are read, and moved only through the services.
# Codes, tallies and comments are not shown here.


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AppraisalTargetInline(_ReadOnlyInline):
    model = AppraisalTarget
    fields = ["order", "unit", "cadre", "display_name"]


class AppraisalQuestionInline(_ReadOnlyInline):
    model = AppraisalQuestion
    fields = ["order", "kind", "text"]


def _move(service, label):
    def action(modeladmin, request, queryset):
        for campaign in queryset:
            try:
                service(campaign=campaign, actor=request.user)
            except LianxinError as error:
                modeladmin.message_user(request, f"{campaign}: {error.message}", messages.ERROR)
            else:
                modeladmin.message_user(request, f"{campaign}: {gettext('done')}")

    action.short_description = label
    action.__name__ = f"appraisal_{service.__name__}"
    return action


@admin.register(AppraisalCampaign)
class AppraisalCampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "kind", "status", "opens_at", "closes_at"]
    list_filter = ["status", "kind", "year"]
    search_fields = ["name"]
    fields = readonly_fields = ("name", "year", "kind", "opens_at", "closes_at", "intro", "status")
    inlines = [AppraisalTargetInline, AppraisalQuestionInline]
    actions = [
        _move(appraisal_campaign_open, gettext_lazy("Open for voting")),
        _move(appraisal_campaign_close, gettext_lazy("Close voting")),
        _move(appraisal_campaign_publish, gettext_lazy("Publish the results")),
    ]

    def has_module_permission(self, request):
        return may(request.user, "evaluation.manage_appraisal")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- indicators, reports and inquiries --------------------------------------------------------
# Read-only views: schemes, reports and inquiries change through their pages and services (and
# so the audit log); published schemes and result snapshots never change at all.


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = readonly_fields = ("position", "name", "source", "direction", "target", "weight")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(IndicatorScheme)
class IndicatorSchemeAdmin(_ReadOnlyAdmin):
    list_display = ["year", "version", "name", "status", "published_at"]
    list_filter = ["status", "year"]
    inlines = [_IndicatorInline]


class _UnitResultInline(admin.TabularInline):
    model = UnitResult
    fields = readonly_fields = ("rank", "unit", "composite")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ResultSnapshot)
class ResultSnapshotAdmin(_ReadOnlyAdmin):
    list_display = ["year", "scheme", "computed_at", "computed_by"]
    list_filter = ["year"]
    inlines = [_UnitResultInline]


@admin.register(DutyReport)
class DutyReportAdmin(_ReadOnlyAdmin):
    list_display = ["title", "year", "unit", "author", "status", "published_at"]
    list_filter = ["status", "year"]
    search_fields = ["title"]


@admin.register(ReportRating)
class ReportRatingAdmin(_ReadOnlyAdmin):
    list_display = ["report", "stars", "comment_status", "created_at"]
    list_filter = ["comment_status"]
    exclude = ["anon_key"]


@admin.register(Inquiry)
class InquiryAdmin(_ReadOnlyAdmin):
    list_display = ["title", "unit", "status", "created_at", "deadline", "answered_at"]
    list_filter = ["status"]
    search_fields = ["title"]

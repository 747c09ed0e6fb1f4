"""Django admin pages of the evaluation app, one section per capability."""

from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_lazy

from lianxin.core.access import may
from lianxin.core.errors import LianxinError

from . import services
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

# --- democratic appraisal ---------------------------------------------------------------------
# Campaigns, their targets and questions are edited here while in draft; state changes go
# through the services (and the audit log). Codes, tallies and comments are not shown here.


class _DraftOnlyInline(admin.TabularInline):
    extra = 0

    def _draft(self, obj) -> bool:
        return obj is None or obj.status == AppraisalCampaign.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._draft(obj) and super().has_delete_permission(request, obj)


class AppraisalTargetInline(_DraftOnlyInline):
    model = AppraisalTarget
    fields = ["order", "unit", "cadre", "display_name"]
    raw_id_fields = ["cadre"]


class AppraisalQuestionInline(_DraftOnlyInline):
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
    fields = ["name", "year", "kind", "opens_at", "closes_at", "intro", "status"]
    readonly_fields = ["status"]
    inlines = [AppraisalTargetInline, AppraisalQuestionInline]
    actions = [
        _move(services.appraisal_campaign_open, gettext_lazy("Open for voting")),
        _move(services.appraisal_campaign_close, gettext_lazy("Close voting")),
        _move(services.appraisal_campaign_publish, gettext_lazy("Publish the results")),
    ]

    def has_module_permission(self, request):
        return may(request.user, "evaluation.manage_appraisal")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != AppraisalCampaign.Status.DRAFT:
            return self.fields  # the questionnaire and times are frozen once voting opened
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != AppraisalCampaign.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


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
    fields = ["position", "name", "source", "direction", "target", "weight"]
    readonly_fields = fields
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
    fields = ["rank", "unit", "composite"]
    readonly_fields = fields
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
